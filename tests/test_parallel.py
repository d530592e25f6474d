"""`--jobs N` spreads Markdown and templates over processes; the site is the same for any N."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
from sitekit import ROOT, SiteBuilder, build, expo, output_files

from generator.parallel import aside, chunked_map

sys.path.insert(0, str(ROOT / "tests" / "perf"))
from bench import generate  # noqa: E402  (the benchmark's site generator)


def test_jobs_1_and_2_build_identical_sites(tmp_path):
    generate(tmp_path, 1200)  # large enough for both stages to use worker processes
    build(tmp_path, "--jobs", "1", "--no-search", "--output", "one")
    build(tmp_path, "--jobs", "2", "--no-search", "--output", "two")
    one, two = output_files(tmp_path / "one"), output_files(tmp_path / "two")
    assert len(one) > 1000
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_jobs_1_and_2_report_the_same_problems(tmp_path):
    """The theme is compiled while the workers convert the Markdown: a mistake in a template
    and one in a body are reported as with one process, each once, in the same order."""
    generate(tmp_path, 1200)
    shutil.copytree(ROOT / "templates", tmp_path / "theme")
    solution = tmp_path / "theme" / "solution.html"
    solution.write_text(solution.read_text().replace("{% block subtitle %}",
                                                     "{% block subtitle %}{% if %}", 1))
    body = sorted((tmp_path / "content" / "solutions").glob("*.md"))[7]
    body.write_text(body.read_text() + "\n[a link](missing-page.md)\n")
    runs = [expo(tmp_path, "build", "--templates", "theme", "--no-search", "--jobs", jobs)
            for jobs in ("1", "2")]
    assert [run.returncode for run in runs] == [1, 1]
    assert runs[0].lines == runs[1].lines
    problems = [line for line in runs[1].lines if ": error: " in line]
    assert len(problems) == 2, runs[1].stderr
    assert any("solution.html" in line and "template syntax" in line for line in problems)
    assert any(body.name in line for line in problems)
    assert not (tmp_path / "output").exists()


def test_progress_shows_on_a_terminal_only(tmp_path):
    """On a terminal, long phases rewrite one line ("Pages: 1,240/2,500"); piped, never."""
    generate(tmp_path, 1200)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "generator", "build", "--no-search", "--jobs", "2"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a build whose stderr is a terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, command, env)
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closes with the build
            break
        if not chunk:
            break
        shown += chunk
    assert os.waitpid(pid, 0)[1] == 0, shown
    text = shown.decode()
    steps = re.findall(r"\r\x1b\[K(\w[\w ]*): ([\d,]+)/([\d,]+)", text)
    assert "Pages" in {phase for phase, _, _ in steps}, text  # (shown after 0.5 s only)
    assert all(int(done.replace(",", "")) <= int(total.replace(",", ""))
               for _, done, total in steps)
    last = text.rsplit("\r\x1b[K", 1)[-1]  # the line is cleared before the summary
    assert last.startswith("Built ") and "HTML pages rendered" in last, text

    piped = build(tmp_path, "--no-search")
    assert "\x1b[K" not in piped.stderr and piped.stderr.startswith("Built "), piped.stderr


def cgroups(root, own: str, files: dict[str, str]):
    """A fake /sys/fs/cgroup under `root` and the /proc/self/cgroup naming this process's."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "self").write_text(own)
    return root, root / "self"


def test_the_default_jobs_follow_the_cpu_quota_of_a_container(tmp_path):
    from generator.parallel import available_cores

    cores = len(os.sched_getaffinity(0))
    cases = [
        # cgroup v2 inside a container (its group at the root): half a CPU is one worker
        ("0::/\n", {"cpu.max": "50000 100000\n"}, 1),
        # v2, no quota anywhere
        ("0::/\n", {"cpu.max": "max 100000\n"}, cores),
        # v2 on a host: a CI job's group limited by the group holding it
        ("0::/ci/job-7\n", {"ci/cpu.max": "100000 100000\n", "ci/job-7/cpu.max": "max 100000\n"},
         1),
        # v1 (docker on an older host): the container's quota at the root of its mount
        ("12:cpu,cpuacct:/docker/4f1e\n11:memory:/docker/4f1e\n",
         {"cpu,cpuacct/cpu.cfs_quota_us": "100000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"},
         1),
        # v1 without a quota
        ("12:cpu,cpuacct:/\n", {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
                                "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, cores),
        # a quota above the cores this process may use changes nothing
        ("0::/\n", {"cpu.max": "6400000 100000\n"}, cores),
        # unreadable or odd files are no quota
        ("0::/\n", {"cpu.max": "garbage\n"}, cores),
        ("odd\n0::/\n", {"cpu.max": "100000 100000\n"}, 1),
    ]
    for n, (own, files, expected) in enumerate(cases):
        root, own_file = cgroups(tmp_path / str(n), own, files)
        assert available_cores(root, own_file) == expected, (own, files)


def test_the_memory_a_build_may_take_follows_the_limit_of_a_container(tmp_path):
    from generator.parallel import available_memory

    gib = 2 ** 30
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal: {32 * gib // 1024} kB\nMemAvailable: {20 * gib // 1024} kB\n")
    cases = [
        # cgroup v2 inside a container: 4 GiB, 1 used
        ("0::/\n", {"memory.max": f"{4 * gib}\n", "memory.current": f"{gib}\n"}, 3 * gib),
        # v2, no limit: the machine's
        ("0::/\n", {"memory.max": "max\n", "memory.current": f"{gib}\n"}, 20 * gib),
        # v2 on a host: a CI job's group limited by the group holding it
        ("0::/ci/job-7\n", {"ci/memory.max": f"{2 * gib}\n", "ci/memory.current": f"{gib}\n",
                            "ci/job-7/memory.max": "max\n",
                            "ci/job-7/memory.current": f"{gib}\n"}, gib),
        # v1 (docker on an older host): the container's limit at the root of its mount
        ("12:cpu,cpuacct:/docker/4f1e\n11:memory:/docker/4f1e\n",
         {"memory/memory.limit_in_bytes": f"{6 * gib}\n",
          "memory/memory.usage_in_bytes": f"{gib}\n"}, 5 * gib),
        # over the limit already: nothing
        ("0::/\n", {"memory.max": f"{gib}\n", "memory.current": f"{2 * gib}\n"}, 0),
        # unreadable or odd files are no limit
        ("0::/\n", {"memory.max": "garbage\n", "memory.current": f"{gib}\n"}, 20 * gib),
    ]
    for n, (own, files, expected) in enumerate(cases):
        root, own_file = cgroups(tmp_path / str(n), own, files)
        assert available_memory(root, own_file, meminfo) == expected, (own, files)
    assert available_memory(tmp_path / "no", tmp_path / "no", tmp_path / "no") is None  # not Linux


def test_the_default_jobs_follow_the_cores_a_process_may_run_on(tmp_path):
    # As `taskset -c 0 expo build`, or a CI runner pinning jobs to cores.
    code = ("import os\n"
            "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
            "from generator.parallel import jobs_for\n"
            "print(jobs_for(None), jobs_for(3))\n")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ,
                          "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "3"]


def _chunk_of(offset: int, chunk: list[int]) -> list[tuple[int, tuple[int, int], int]]:
    return [(item + offset, (chunk[0], len(chunk)), os.getpid()) for item in chunk]


def test_workers_take_chunks_that_get_smaller_towards_the_end_results_in_order():
    results = list(chunked_map(_chunk_of, 1000, range(3000), jobs=2))
    assert [item for item, _, _ in results] == list(range(1000, 4000))
    assert os.getpid() not in {pid for _, _, pid in results}
    sizes = [size for _, size in dict.fromkeys(chunk for _, chunk, _ in results)]
    assert sum(sizes) == 3000
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > 100 and sizes[-1] < 20  # few results travel; the workers end together


def _note_pid(path: Path) -> None:
    path.write_text(str(os.getpid()))


def test_work_set_aside_runs_in_another_process_which_is_waited_for(tmp_path):
    aside(_note_pid, tmp_path / "two", jobs=2)()
    assert int((tmp_path / "two").read_text()) != os.getpid()
    aside(_note_pid, tmp_path / "one", jobs=1)()  # no core to spare: nothing set aside
    assert not (tmp_path / "one").exists()


def test_with_two_jobs_the_theme_is_compiled_aside_while_the_content_is_read(tmp_path,
                                                                            monkeypatch):
    compiled = []  # by this process; the one set aside appends to its own copy
    compile_template = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda env, *args, **kwargs: (
        compiled.append(args[1] if len(args) > 1 else kwargs.get("name")),
        compile_template(env, *args, **kwargs))[1])
    site = SiteBuilder(tmp_path / "site", {
        "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
        "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\n---\nNews.\n"},
        no_search=True)
    two = site.build(jobs=2)
    assert two.ok and compiled == []
    shutil.rmtree(tmp_path / "site" / ".expo-cache")
    assert site.build(jobs=1, output=Path("one")).ok
    assert "news.html" in compiled and "base.html" in compiled
    assert output_files(tmp_path / "site" / "output") == output_files(tmp_path / "site" / "one")
