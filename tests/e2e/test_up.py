import subprocess

import httpx

from tests.e2e.conftest import CODEFLIX


def test_up_serves_health_and_stops_cleanly_on_ctrl_c(platform):
    platform.start()
    assert httpx.get(f"{platform.url}/healthz").json()["status"] == "ok"
    assert httpx.get(f"{platform.url}/readyz").status_code == 200
    assert "codeflix_" in httpx.get(f"{platform.url}/metrics").text
    code, out = platform.stop()
    assert code == 0, out
    assert "Codeflix stopped." in out
    assert "Traceback" not in out


def test_up_twice_on_the_same_data_dir(platform):
    platform.start()
    platform.stop()
    platform.start()
    assert httpx.get(f"{platform.url}/healthz").status_code == 200
    code, out = platform.stop()
    assert code == 0, out
    assert (platform.workdir / "var").is_dir()


def test_a_second_up_on_a_busy_port_fails_with_one_line(platform):
    platform.start()
    second = subprocess.run(
        [CODEFLIX, "up", "--port", str(platform.port)],
        cwd=platform.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 1
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, second.stderr
    assert str(platform.port) in lines[0] and "in use" in lines[0]
    assert "Traceback" not in second.stdout + second.stderr
    platform.stop()


def test_help_explains_the_commands():
    out = subprocess.run([CODEFLIX, "--help"], capture_output=True, text=True, check=True).stdout
    assert "up" in out
    up = subprocess.run([CODEFLIX, "up", "--help"], capture_output=True, text=True, check=True)
    assert "--port" in up.stdout


def test_a_bad_port_is_refused_clearly():
    result = subprocess.run([CODEFLIX, "up", "--port", "70000"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "--port" in result.stderr and "Traceback" not in result.stderr
