using System.Diagnostics;
using System.Globalization;

namespace Skiff.Linux.Logging;

/// <summary>
/// SKIFF_TRACE=1: one info line per phase of create/run/exec/start, in the runtime and in `skiff init`, with the
/// milliseconds since the runtime process started (its C constructor ran) and since the previous line:
/// <c>trace create  12.345 ms (+1.234) spawned init [alloc 812 KiB, gc 0]</c> (managed bytes allocated so far and
/// garbage collections so far, for finding what allocates on the start path). `skiff init` is given the parent's zero (CLOCK_MONOTONIC,
/// as Stopwatch) in <see cref="InitEnvName"/>, so both processes' lines share one time line; its lines reach the
/// parent's log through the log pipe. Off (the default), a mark costs one branch.
/// </summary>
public static class PhaseTrace
{
    /// <summary>The user's switch.</summary>
    public const string EnvName = "SKIFF_TRACE";
    /// <summary>`skiff init`'s environment: the parent's zero in Stopwatch ticks (ns).</summary>
    public const string InitEnvName = "_SKIFF_TRACE";

    private static long s_zero, s_last;
    private static string s_who = "";
    private static readonly Lock s_lock = new();

    public static bool On { get; private set; }

    /// <summary>The zero of this process's lines (Stopwatch ticks), passed on to `skiff init`.</summary>
    public static long Zero => s_zero;

    /// <summary>Turns tracing on for this process: <paramref name="zero"/> is the time line's origin (ticks).</summary>
    public static void Enable(string who, long zero)
    {
        s_who = who;
        s_zero = s_last = zero;
        On = true;
    }

    /// <summary>Names the process in later lines (the verb is known only after the arguments are parsed).</summary>
    public static void Rename(string who) => s_who = who;

    /// <summary>Writes the line for a phase that ended now.</summary>
    public static void Mark(string phase)
    {
        if (!On) return;
        // the time is taken under the lock that orders the lines: a mark from another thread (the log forwarder's)
        // cannot come between and print a later line with an earlier time
        lock (s_lock) WriteMark(phase, Stopwatch.GetTimestamp());
    }

    /// <summary>Writes the line for a phase that ended at <paramref name="ticks"/>.</summary>
    public static void MarkAt(string phase, long ticks)
    {
        if (!On) return;
        lock (s_lock) WriteMark(phase, ticks);
    }

    private static void WriteMark(string phase, long ticks)
    {
        long called = Stopwatch.GetTimestamp();
        double f = 1000.0 / Stopwatch.Frequency;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"trace {s_who} {(ticks - s_zero) * f,8:F3} ms (+{(ticks - s_last) * f:F3}) {phase} [alloc {GC.GetTotalAllocatedBytes() / 1024} KiB, gc {GC.CollectionCount(0)}]");
        Log.Write(LogLevel.Info, line);
        // the next phase starts after this line is written (the trace's own cost is in no phase), or, for a phase
        // that ended before this process could write (nsexec's, in C), where it ended
        s_last = ticks < called - Stopwatch.Frequency / 10_000 ? ticks : Math.Max(ticks, Stopwatch.GetTimestamp());
    }
}
