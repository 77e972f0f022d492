using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>
/// Hidden test knob for the crash-consistency tests: env <c>SKIFF_TEST_CRASH=PHASE</c> makes `create` SIGKILL itself
/// when it reaches PHASE (state, fifo, spawn, cgroup, pids, config, procHooks, procReady, state-ready, done), a real
/// kill -9 at a chosen point. Read once; unset, each check is one null test. Not a supported configuration.
/// </summary>
internal static class TestKnob
{
    public const string CrashVariable = "SKIFF_TEST_CRASH";

    private static readonly string? s_crashAt = Environment.GetEnvironmentVariable(CrashVariable);

    public static bool Enabled => s_crashAt is not null;

    /// <summary>Kills this process with SIGKILL if the knob names <paramref name="phase"/>.</summary>
    public static void Crash(string phase)
    {
        if (s_crashAt is null || !string.Equals(s_crashAt, phase, StringComparison.Ordinal)) return;
        Libc.kill(Environment.ProcessId, 9);
        Thread.Sleep(Timeout.Infinite);
    }
}
