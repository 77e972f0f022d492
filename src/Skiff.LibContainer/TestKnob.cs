using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>
/// Hidden test knob for the crash-consistency tests: env <c>SKIFF_TEST_CRASH=PHASE</c> makes `create` SIGKILL itself
/// when it reaches PHASE (state, fifo, spawn, cgroup, pids, config, procHooks, procReady, state-ready, done), a real
/// kill -9 at a chosen point. Read once; unset, each check is one null test. Not a supported configuration.
/// <para>Env <c>SKIFF_TEST_CRIU_PIPE_CLAMPED=1</c> skips the lazy-pages pipe probe (<c>CheckLazyPagesServer</c>): the
/// lazy-migration test runs criu with an LD_PRELOAD shim that clamps criu's pipe to fs.pipe-max-size, which skiff's
/// own probe, in the static skiff binary, cannot see.</para>
/// </summary>
internal static class TestKnob
{
    public const string CrashVariable = "SKIFF_TEST_CRASH";

    private static readonly string? s_crashAt = Environment.GetEnvironmentVariable(CrashVariable);
    public const string FailVariable = "SKIFF_TEST_FAIL";

    private static readonly string? s_failAt = Environment.GetEnvironmentVariable(FailVariable);

    /// <summary>The fail knob's value, passed on to skiff init (nsexec.c's early spawn passes it too).</summary>
    public static string? FailVariableValue => s_failAt;

    public static bool Enabled => s_crashAt is not null;

    /// <summary>Env <c>SKIFF_TEST_FAIL=<paramref name="phase"/></c> (read where the caller acts on it; for skiff init,
    /// which keeps the caller's environment until it clears it): <c>no-gc-fence</c> leaves init's collections as
    /// they are after the root switch (InitEntry.FenceCollections), for the test that shows what the fence
    /// prevents.</summary>
    public static bool FailAt(string phase) => string.Equals(s_failAt, phase, StringComparison.Ordinal);

    /// <summary>Set by the test whose criu carries the pipe-clamping shim.</summary>
    public static bool CriuPipeClamped => Environment.GetEnvironmentVariable("SKIFF_TEST_CRIU_PIPE_CLAMPED") == "1";

    /// <summary>
    /// Env <c>SKIFF_TEST_FAIL=bootstrap</c>: create fails (an error, not a kill) once nsexec has reported the pids of
    /// what it forked on the bootstrap message it got early (<paramref name="reported"/> readable, the report left
    /// in it), so that a test sees the unused init taken down with everything nsexec made.
    /// </summary>
    public static void Fail(string phase, SafeFd reported)
    {
        if (!FailAt(phase)) return;
        Libc.PollOne(reported.Fd, Libc.POLLIN, 10_000);
        throw new ContainerException($"test knob: failing at {phase}");
    }

    /// <summary>
    /// Env <c>SKIFF_TEST_FAIL=init-gone-before-hooks-answer</c>: before the parent answers procHooks, init is killed
    /// and its end of the sync socket hung up (waited for, at most 10 s), as an init that does not wait for the answer
    /// (no hooks) may fail and be gone before it is sent.
    /// </summary>
    public static void InitGoneBeforeHooksAnswer(int init, SafeFd sync)
    {
        if (!FailAt("init-gone-before-hooks-answer")) return;
        Libc.kill(init, 9);
        WaitForHangup(sync);
    }

    /// <summary>
    /// Env <c>SKIFF_TEST_FAIL=init-failed-before-cgroup</c>: before the parent puts init in its cgroup, it waits (at
    /// most 10 s) for init's end of the sync socket to hang up, so that an init that fails on the config it got early
    /// is surely gone by then.
    /// </summary>
    public static void InitFailedBeforeCgroup(SafeFd sync)
    {
        if (!FailAt("init-failed-before-cgroup")) return;
        WaitForHangup(sync);
    }

    /// <summary>
    /// Env <c>SKIFF_TEST_FAIL=speculative-exec-gone</c>: the process an exec's nsexec forked before its bootstrap is
    /// killed as soon as it is reported, and waited for (at most 10 s) until it has exited (a zombie: ours to reap),
    /// as a delete racing the exec kills it with the container's pid namespace.
    /// </summary>
    public static void SpeculativeExecGone(int pid)
    {
        if (pid <= 0 || !FailAt("speculative-exec-gone")) return;
        Libc.kill(pid, 9);
        // a zombie: its fds are closed (PF_EXITING alone is too early: nsexec's write could still reach it)
        for (int i = 0; i < 1000 && ProcStat.Read(pid) is { State: not 'Z' }; i++) Thread.Sleep(10);
    }

    /// <summary>Until init's end of the sync socket is closed, at most 10 s.</summary>
    private static void WaitForHangup(SafeFd sync) =>
        Libc.PollOne(sync.Fd, 0, 10_000); // POLLHUP is reported whatever the events asked for

    /// <summary>Kills this process with SIGKILL if the knob names <paramref name="phase"/>.</summary>
    public static void Crash(string phase)
    {
        if (s_crashAt is null || !string.Equals(s_crashAt, phase, StringComparison.Ordinal)) return;
        Libc.kill(Environment.ProcessId, 9);
        Thread.Sleep(Timeout.Infinite);
    }
}
