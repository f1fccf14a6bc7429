"""Without --debug, a warning logged during a run is one line, never a traceback."""

from __future__ import annotations

import logging

import pytest

from ponder.agent.cli._options import setup_logging


def _warn_with_traceback() -> None:
    try:
        raise ConnectionError("engine went away\nsecond line of detail")
    except ConnectionError:
        logging.getLogger("ponder.graphs.nodes.act").warning("tool python raised",
                                                              exc_info=True)


def test_warnings_carry_no_traceback_without_debug(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(False)
    _warn_with_traceback()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "tool python raised (ConnectionError: engine went away)" in " ".join(err.split())


def test_debug_keeps_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(True)
    _warn_with_traceback()
    assert "Traceback" in capsys.readouterr().err
    setup_logging(False)


def test_ponder_debug_in_the_environment_works_as_the_flag(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PONDER_DEBUG", "1")
    setup_logging(False)
    _warn_with_traceback()
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("PONDER_DEBUG", "0")
    setup_logging(False)
    _warn_with_traceback()
    assert "Traceback" not in capsys.readouterr().err
