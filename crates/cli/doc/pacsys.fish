# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pacsys_global_optspecs
    string join \n b/backend= H/host= P/port= timeout= sim a/auth= role= realm= format= v/verbose log-level= h/help V/version
end

function __fish_pacsys_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pacsys_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pacsys_using_subcommand
    set -l cmd (__fish_pacsys_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pacsys -n "__fish_pacsys_needs_command" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_needs_command" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_needs_command" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_needs_command" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_needs_command" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_needs_command" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_needs_command" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_needs_command" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_needs_command" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_needs_command" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_needs_command" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_needs_command" -s V -l version -d 'Print version'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "get" -d 'Read devices once; one line per DRF, in request order (acget)'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "put" -d 'Write settings: DRF VALUE pairs; numbers, arrays `1,2,3`, text, control commands, or `key=value` fields of a whole alarm block (acput)'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "monitor" -d 'Stream devices until --count, --duration or Ctrl-C (acmonitor)'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "info" -d 'Show what a device is: description, units, which properties it has (acinfo)'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "history" -d 'Logged history of devices between two times: lines, a Parquet file or a plot'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "plot" -d 'Draw a recording (`monitor --record`, `--format parquet`, `history --output`) into a PNG or SVG image, with its disconnections and gaps shaded and failures marked'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "sim" -d 'Run the simulator servers (DPM and DAQ gRPC) until Ctrl-C'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "mcp" -d 'Serve the devices to an AI assistant over MCP (Model Context Protocol): stdio by default, Streamable HTTP with --http. Read-only unless the configuration allows writes and a policy approves each device; every setting is audited'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c pacsys -n "__fish_pacsys_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -l file -d 'Also read the DRFs listed in this file (`-` for stdin): one per line, blank lines and `#` comments skipped' -r -F
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s f -l number-format -d 'How numbers are written in text and CSV: a Python format spec such as `.3f`, `.2e`, `,d`, `#x`, `>10.2f` (JSON keeps exact numbers)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s s -l timestamp-format -d 'How timestamps are written: iso (UTC date and time), epoch (Unix seconds) or relative (seconds since the first reading)' -r -f -a "iso\t'Date and time in UTC (`2026-11-23 02:41:04.926` in text, RFC 3339 in JSON and CSV)'
epoch\t'Seconds since the Unix epoch'
relative\t'Seconds since the first reading\'s timestamp'"
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s r -l range -d 'Show only these array elements: N, A:B or A:B:C, negative from the end (a Python slice; write -r=-5: for a negative start)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s t -l terse -d 'Bare values: no DRF, units, timestamp or metadata (a failure is `[ERROR] <message>`; in JSON the value alone; in CSV one column and no header)'
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l tolerance -d 'Largest accepted difference of a read-back number (implies --verify)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l retries -d 'Write attempts per setting when verifying' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l verify -d 'Read each setting back and compare it with the value written'
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -s t -l terse -d 'Leave the DRF out of each result line (`ok`, `ok (verified, readback=X)`, `FAILED: <message>`)'
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s n -l count -d 'Stop once every DRF has delivered N readings (a rejected DRF counts as done)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s d -l duration -d 'Stop after this long (10s, 1m, 500ms, or seconds)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l since -d 'First deliver each DRF\'s logged readings since this time (an RFC 3339 time, or relative: -10m, -2h, -1d), then its live readings, without duplicates at the seam' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l stale-after -d 'Flag a DRF that delivers nothing for this long while the connection lives (10s, 500ms, or seconds): a `stale` line, or `[STALE]` in the table, until it delivers again' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l record -d 'Also record every reading and stream event (drops, gaps, reconnections) to this Parquet dataset, a new folder of part files (crash-safe: see below)' -r -F
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l record-interval -d 'How often the recording closes a row group into a part file: what a crash can lose at most (also closed every 1,048,576 rows)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l chart-window -d 'The time the live chart shows' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s f -l number-format -d 'How numbers are written in text and CSV: a Python format spec such as `.3f`, `.2e`, `,d`, `#x`, `>10.2f` (JSON keeps exact numbers)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s s -l timestamp-format -d 'How timestamps are written: iso (UTC date and time), epoch (Unix seconds) or relative (seconds since the first reading)' -r -f -a "iso\t'Date and time in UTC (`2026-11-23 02:41:04.926` in text, RFC 3339 in JSON and CSV)'
epoch\t'Seconds since the Unix epoch'
relative\t'Seconds since the first reading\'s timestamp'"
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s r -l range -d 'Show only these array elements: N, A:B or A:B:C, negative from the end (a Python slice; write -r=-5: for a negative start)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l lines -d 'One line per reading even on a terminal (no live table)'
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l chart -d 'Draw a live chart on the terminal instead of the table: one line per DRF over the last --chart-window, redrawn in place'
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s t -l terse -d 'Bare values: no DRF, units, timestamp or metadata (a failure is `[ERROR] <message>`; in JSON the value alone; in CSV one column and no header)'
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand monitor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l start -d 'Start of the window' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l end -d 'End of the window' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l chunk -d 'Fetch the window in pieces of this length (progress is shown per piece)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s o -l output -d 'Also write the samples to this Parquet file (one row per sample; see `--format parquet` for stdout)' -r -F
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l plot -d 'Also draw the samples into this image (.png or .svg): time across, the devices\' units up, one line per DRF, failed reads marked' -r -F
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l plot-size -d 'The plot\'s size in pixels' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s f -l number-format -d 'How numbers are written in text and CSV: a Python format spec such as `.3f`, `.2e`, `,d`, `#x`, `>10.2f` (JSON keeps exact numbers)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s s -l timestamp-format -d 'How timestamps are written: iso (UTC date and time), epoch (Unix seconds) or relative (seconds since the first reading)' -r -f -a "iso\t'Date and time in UTC (`2026-11-23 02:41:04.926` in text, RFC 3339 in JSON and CSV)'
epoch\t'Seconds since the Unix epoch'
relative\t'Seconds since the first reading\'s timestamp'"
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s t -l terse -d 'Bare values: no DRF, units, timestamp or metadata (a failure is `[ERROR] <message>`; in JSON the value alone; in CSV one column and no header)'
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -s o -l output -d 'The image to write (.png or .svg) [default: the recording\'s name with .png]' -r -F
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -l size -d 'The image\'s size in pixels' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand plot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l dpm-port -d 'DPM port on 127.0.0.1 (0 = any free port; the chosen port is printed)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l grpc-port -d 'Also serve the DAQ gRPC service on this 127.0.0.1 port (0 = any free port), over the same device world; the ready line becomes `READY dpm=<p> grpc=<g>`' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l grpc-token -d 'Require `authorization: Bearer <TOKEN>` on gRPC settings' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l heartbeat-ms -d 'Idle heartbeat interval in milliseconds' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l pend-unknown-ms -d 'Answer unknown devices with DPM_PEND after this many milliseconds, as production' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l delay-ms -d 'Fault: delay every write by this many milliseconds' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l close-after-data -d 'Fault: close each connection after N data replies' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l stall-after-data -d 'Fault: go silent (but stay connected) after N data replies' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l garbage-after-data -d 'Fault: send a garbage frame after N data replies' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l oversize-after-data -d 'Fault: send an oversize length prefix after N data replies' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l http-error -d 'Fault: answer every handshake with this HTTP status' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l restart-every-ms -d 'Fault "restart": every N ms drop every DPM list at once (as a restarting DPM does) and keep accepting; clients must rebuild their lists' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l replay -d 'Replay a recording (a Parquet dataset or file from `pacsys monitor --record`): its devices answer with the recorded data and timing over DPM and gRPC; other devices stay simulated' -r -F
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l speed -d 'Replay speed factor (2 = twice as fast; finite, > 0; default 1)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l insecure-settings -d 'Accept settings without authentication (tests only; logged loudly)'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l flood -d 'Benchmark mode: periodic requests (DPM and gRPC) ignore their period and stream as fast as the client reads (to measure a client\'s ceiling, not the simulator\'s rate)'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l split-writes -d 'Fault: split every frame into random 1-7 byte writes'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l reorder -d 'Fault: send data replies in reverse ref order'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l accept-then-close -d 'Fault: close every connection right after accepting it'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l loop -d 'Start the replay over after its last sample'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand sim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -s c -l config -d 'The TOML configuration (write switch, policies, audit log, limits, backend); without it: the backend of the options and environment, read-only' -r -F
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -l http -d 'Serve Streamable HTTP on this address instead of stdio (loopback only unless the configuration sets allow_plaintext_remote)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand mcp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -s b -l backend -d 'Transport [default: PACSYS_BACKEND, else dpm]' -r -f -a "dpm\t'DPM over TCP (DPM/HTTP, binary PC protocol)'
grpc\t'The DAQ gRPC service'"
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -s H -l host -d 'Server host [default: PACSYS_DPM_HOST / PACSYS_GRPC_HOST, else the Fermilab servers]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -s P -l port -d 'Server port [default: PACSYS_DPM_PORT / PACSYS_GRPC_PORT, else 6802 / 50051]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -l timeout -d 'Total time per operation in seconds [default: PACSYS_TIMEOUT, else 5]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -s a -l auth -d 'How settings are authenticated: kerberos (DPM) or jwt (gRPC, token from PACSYS_JWT_TOKEN)' -r -f -a "kerberos\t'Kerberos (DPM; needs a build with the `kerberos` feature and a ticket)'
jwt\t'A JWT bearer token from PACSYS_JWT_TOKEN (gRPC)'"
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -l role -d 'Role for settings (DPM only)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -l realm -d 'Kerberos realm of `--auth kerberos` [default: FNAL.GOV]' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -l format -d 'Output format (`-f` is `--number-format`, as in the reference CLI)' -r -f -a "text\t'Aligned human-readable lines'
json\t'One JSON object per line'
csv\t'Comma-separated values with a header line'
parquet\t'One Apache Parquet file on stdout, one row per reading and per stream event (get, monitor, history; stdout must not be a terminal). Complete once the command ends'"
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -l log-level -d 'The library\'s log lines on stderr at this level (error, warn, info, debug, trace, or a list such as `warn,pacsys_dpm_core=debug`) [default: none, or RUST_LOG\'s list; warn with -v]. Without it the command\'s own lines alone say what happens (one line per stream event)' -r
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -l sim -d 'Start the simulator in-process on free loopback ports and talk to it over TCP'
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -s v -l verbose -d 'Show metadata (device index, description, status, cycle) and missing properties, and the library\'s warnings on stderr'
complete -c pacsys -n "__fish_pacsys_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "get" -d 'Read devices once; one line per DRF, in request order (acget)'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "put" -d 'Write settings: DRF VALUE pairs; numbers, arrays `1,2,3`, text, control commands, or `key=value` fields of a whole alarm block (acput)'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "monitor" -d 'Stream devices until --count, --duration or Ctrl-C (acmonitor)'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "info" -d 'Show what a device is: description, units, which properties it has (acinfo)'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "history" -d 'Logged history of devices between two times: lines, a Parquet file or a plot'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "plot" -d 'Draw a recording (`monitor --record`, `--format parquet`, `history --output`) into a PNG or SVG image, with its disconnections and gaps shaded and failures marked'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "sim" -d 'Run the simulator servers (DPM and DAQ gRPC) until Ctrl-C'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "mcp" -d 'Serve the devices to an AI assistant over MCP (Model Context Protocol): stdio by default, Streamable HTTP with --http. Read-only unless the configuration allows writes and a policy approves each device; every setting is audited'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c pacsys -n "__fish_pacsys_using_subcommand help; and not __fish_seen_subcommand_from get put monitor info history plot sim mcp completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
