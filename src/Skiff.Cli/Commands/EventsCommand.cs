using System.Globalization;
using Skiff.Cli.CommandLine;
using Skiff.LibContainer;
using Skiff.Linux.Logging;

namespace Skiff.Cli.Commands;

/// <summary>
/// runc's events.go: with --stats one stats event, else a stats event every --interval plus an "oom" event
/// whenever the memory cgroup's oom_kill counter rises, until the container's cgroup is gone.
/// </summary>
internal sealed class EventsCommand : Command
{
    public override string Name => "events";
    public override string Usage => "display container events such as OOM notifications, cpu, memory, and IO usage statistics";
    public override string ArgsUsage => "<container-id>\n\nWhere \"<container-id>\" is the name for the instance of the container.";
    public override string Description => "The events command displays information about the container. By default the\ninformation is displayed once every 5 seconds.";
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        new Flag("interval", FlagKind.String, "set the stats collection interval", "5s"),
        Flag.Bool("stats", "display the container's stats then exit"),
    ];

    /// <summary>How often the OOM counter is looked at between two stats events.</summary>
    private static readonly TimeSpan s_oomPoll = TimeSpan.FromMilliseconds(100);

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        string text = inv.Args.String("interval", "5s");
        TimeSpan interval = ParseDuration(text)
            ?? throw new UsageException($"invalid value \"{text}\" for flag -interval: parse error");
        if (interval <= TimeSpan.Zero) throw new ContainerException("duration interval must be greater than 0");
        Container c = inv.GetContainer();
        if (c.Status == ContainerStatus.Stopped) throw new ContainerException($"container with id {c.Id} is not running");
        if (inv.Args.Bool("stats"))
        {
            inv.Out.Write(EventsJson.Stats(c.Id, c.Stats(), c.CgroupPaths));
            return 0;
        }
        ulong oom = SafeOom(c) ?? 0;
        var next = DateTime.UtcNow + interval;
        while (true)
        {
            var wait = next - DateTime.UtcNow;
            Thread.Sleep(wait < s_oomPoll ? (wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : s_oomPoll);
            // the notification channel closes when the cgroup goes away: so does the stream (as runc)
            if (c.Status == ContainerStatus.Stopped && c.Pids().Count == 0) return 0;
            if (SafeOom(c) is ulong now && now > oom)
            {
                oom = now;
                inv.Out.Write(EventsJson.Oom(c.Id));
            }
            if (DateTime.UtcNow < next) continue;
            next += interval;
            try
            {
                inv.Out.Write(EventsJson.Stats(c.Id, c.Stats(), c.CgroupPaths));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.Error(ErrorText.Render(ex));
            }
        }
    }

    private static ulong? SafeOom(Container c)
    {
        try { return c.OomKillCount(); }
        catch (Exception) { return null; }
    }

    /// <summary>Go's time.ParseDuration: "300ms", "1.5h", "2h45m", "-1s", "0"; null when malformed.</summary>
    public static TimeSpan? ParseDuration(string s)
    {
        if (s.Length == 0) return null;
        int i = 0;
        bool neg = false;
        if (s[0] is '-' or '+') { neg = s[0] == '-'; i++; }
        if (s[i..] == "0") return TimeSpan.Zero;
        if (i == s.Length) return null;
        double ticks = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == start || !double.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v))
                return null;
            int u = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.') i++;
            double unit = s[u..i] switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (unit < 0) return null;
            ticks += v * unit;
        }
        return TimeSpan.FromTicks((long)(neg ? -ticks : ticks));
    }
}
