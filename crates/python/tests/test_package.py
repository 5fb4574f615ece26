"""The package itself: type stubs that match the native module, the GIL released while a
call waits, docstrings on every public name."""

import ast
import inspect
import pathlib
import threading

import pacsys_rs
import pacsys_rs.aio
import pacsys_rs.testing
from pacsys_rs import _native

STUB = pathlib.Path(pacsys_rs.__file__).with_name("_native.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names[node.name] = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AnnAssign)) and hasattr(n, "name")}
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = set()
    return names


def test_the_stubs_cover_every_native_name():
    stubs = stub_names()
    assert (STUB.parent / "py.typed").is_file()
    for name, obj in vars(_native).items():
        if name.startswith("__") or name == "KERBEROS":
            continue
        assert name in stubs, f"{name} has no stub"
        if inspect.isclass(obj):
            members = {m for m in vars(obj) if not m.startswith("__") or m in ("__iter__", "__next__", "__enter__", "__exit__")}
            missing = members - stubs[name]
            assert not missing, f"{name}: {sorted(missing)} have no stub"


def test_every_public_name_has_a_docstring():
    import pacsys_rs.exp

    for module in (pacsys_rs, pacsys_rs.aio, pacsys_rs.testing, pacsys_rs.errors, pacsys_rs.exp):
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if callable(obj) or inspect.isclass(obj):
                assert obj.__doc__, f"{module.__name__}.{name} has no docstring"
            if inspect.isclass(obj) and obj.__module__.startswith("pacsys_rs"):
                for member, value in vars(obj).items():
                    if member.startswith("_") or not callable(value):
                        continue
                    assert value.__doc__, f"{module.__name__}.{name}.{member} has no docstring"


def test_the_gil_is_released_while_a_call_waits(simulator):
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    with simulator.dpm() as b, b.subscribe(["M:OUTTMP@p,60000"]) as sub:
        assert sub.next(5) is not None
        t = threading.Thread(target=spin)
        t.start()
        try:
            before = counter[0]
            assert sub.next(0.5) is None  # blocks 0.5 s in Rust
            during = counter[0] - before
        finally:
            stop.set()
            t.join()
    # A Python thread ran all the while (with the GIL held it could not have).
    assert during > 10_000
