"""The Spring Boot hookup, built once per test session with Maven (``mvn package``; Maven Central's
downloads cached in ~/.m2) and started as the built jar (``java -jar``), on the default JDK (17)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from tests.frameworks.app_edits import add_after, probe_slow_work
from tests.frameworks.harness import Hookup

POM = Path(__file__).parents[2] / "osscb_notebook/exports/java/spring/pom.xml"
JAR = Path("target/oss-callback-spring.jar")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
M2 = Path.home() / ".m2" / "repository"


def _problem() -> str:
    missing = [exe for exe in ("java", "mvn") if shutil.which(exe) is None]
    if missing:
        return f"Spring: {', '.join(missing)} not on PATH (a JDK 17+ and Maven; scripts/system-deps.sh installs the JDK)"
    return ""


def _prepare(folder: Path) -> None:
    probe_slow_work(folder / "OssCallbackReceiver.java", "java")
    done = subprocess.run(["mvn", "-B", "-q", "package", "-DskipTests"], cwd=folder, capture_output=True,
                          text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"mvn package failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"


def _routes(folder: Path, paths: Sequence[str]) -> None:
    add_after(folder / "src/main/java/com/example/osscallback/OssCallbackController.java",
              'HOOK_PATH, HOOK_PATH + "/**",', paths)


def _managed(boot: str, prop: str) -> str:
    pom = M2 / f"org/springframework/boot/spring-boot-dependencies/{boot}/spring-boot-dependencies-{boot}.pom"
    found = re.search(rf"<{re.escape(prop)}>([^<]+)<", pom.read_text(encoding="utf-8")) if pom.is_file() else None
    return found.group(1) if found else "?"


@cache
def _version() -> str:
    parent = re.search(r"<artifactId>spring-boot-starter-parent</artifactId>\s*<version>([^<]+)<",
                       POM.read_text(encoding="utf-8"))
    boot = parent.group(1) if parent else "?"
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60).stderr.splitlines()
    mvn = subprocess.run(["mvn", "-v"], capture_output=True, text=True, timeout=60).stdout.splitlines()
    maven = ANSI.sub("", mvn[0]) if mvn else "mvn ?"
    return (f"Spring Boot {boot} (Spring Framework {_managed(boot, 'spring-framework.version')}, "
            f"Spring Security {_managed(boot, 'spring-security.version')}, Tomcat {_managed(boot, 'tomcat.version')}), "
            f"{java[0] if java else 'java ?'}, {maven}")


HOOKUPS = [
    Hookup("spring", "java", _problem, _routes,
           lambda folder, port: ["java", "-jar", str(JAR), f"--server.port={port}", "--server.address=127.0.0.1"],
           prepare=_prepare, version=_version),
]
