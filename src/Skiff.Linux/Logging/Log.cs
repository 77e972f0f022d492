using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Skiff.Linux.Logging;

/// <summary>
/// runc/logrus-compatible logging. Text: <c>time="…" level=error msg="…"</c>; JSON: one object per line with
/// logrus' sorted keys <c>{"level":"error","msg":"…","time":"…"}</c>. Configured once at start-up; the sink is a
/// raw fd (stderr, a --log file opened O_APPEND, or in `skiff init` the log pipe), never System.Console.
/// </summary>
public static class Log
{
    private static SafeFd s_sink = new(2, ownsHandle: false);
    private static readonly object s_lock = new();

    public static LogLevel Level { get; set; } = LogLevel.Info;
    public static bool Json { get; set; }

    /// <summary>True when the sink is the process's own stderr (then fatal errors are not printed twice).</summary>
    public static bool SinkIsStderr { get; private set; } = true;

    public static bool IsDebug => Level >= LogLevel.Debug;

    public static void SetSink(SafeFd fd, bool isStderr)
    {
        s_sink = fd;
        SinkIsStderr = isStderr;
    }

    /// <summary>Closes the sink; later lines are dropped (init does this before waiting on the exec fifo).</summary>
    public static void Close()
    {
        lock (s_lock)
        {
            s_sink.Dispose();
            s_sink = new SafeFd(-1, ownsHandle: false);
            Level = LogLevel.Panic;
        }
    }

    public static void Debug(string msg) { if (Level >= LogLevel.Debug) Write(LogLevel.Debug, msg); }
    public static void Info(string msg) { if (Level >= LogLevel.Info) Write(LogLevel.Info, msg); }
    public static void Warn(string msg) { if (Level >= LogLevel.Warning) Write(LogLevel.Warning, msg); }
    public static void Error(string msg) { if (Level >= LogLevel.Error) Write(LogLevel.Error, msg); }
    public static void Fatal(string msg) => Write(LogLevel.Fatal, msg);

    public static string LevelName(LogLevel l) => l switch
    {
        LogLevel.Panic => "panic", LogLevel.Fatal => "fatal", LogLevel.Error => "error",
        LogLevel.Warning => "warning", LogLevel.Info => "info", LogLevel.Debug => "debug", _ => "trace",
    };

    public static LogLevel? ParseLevel(string s) => s switch
    {
        "panic" => LogLevel.Panic, "fatal" => LogLevel.Fatal, "error" => LogLevel.Error,
        "warning" or "warn" => LogLevel.Warning, "info" => LogLevel.Info, "debug" => LogLevel.Debug,
        "trace" => LogLevel.Trace, _ => null,
    };

    /// <summary>
    /// Lines carry UTC, not local time. For `skiff init`: local time means reading /etc/localtime, which after the
    /// root switch is the image's (a fifo there would hang the first line, /dev/zero exhaust memory); the parent
    /// stamps init's forwarded lines with its own time anyway.
    /// </summary>
    public static bool UtcTime { get; set; }

    /// <summary>Writes one line at <paramref name="level"/> regardless of the configured level.</summary>
    public static void Write(LogLevel level, string msg)
    {
        byte[] line = Format(level, msg, UtcTime ? DateTimeOffset.UtcNow : DateTimeOffset.Now, Json);
        lock (s_lock)
        {
            try { Libc.WriteAll(s_sink, line); }
            catch (SyscallException) { /* a closed log must not turn into a second error */ }
        }
    }

    /// <summary>One formatted line, newline included.</summary>
    public static byte[] Format(LogLevel level, string msg, DateTimeOffset time, bool json)
    {
        string ts = Rfc3339(time);
        var buf = new ArrayBufferWriter<byte>(128 + msg.Length);
        if (json)
        {
            using (var w = new Utf8JsonWriter(buf))
            {
                w.WriteStartObject();
                w.WriteString("level"u8, LevelName(level));
                w.WriteString("msg"u8, msg);
                w.WriteString("time"u8, ts);
                w.WriteEndObject();
            }
            buf.Write("\n"u8);
            return buf.WrittenSpan.ToArray();
        }
        var sb = new StringBuilder(64 + msg.Length);
        sb.Append("time=\"").Append(ts).Append("\" level=").Append(LevelName(level)).Append(" msg=");
        GoQuote.Append(sb, msg); // logrus quotes with %q
        sb.Append('\n');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Go's time.RFC3339 (whole seconds, "Z" for a zero offset), as logrus writes it.</summary>
    public static string Rfc3339(DateTimeOffset t)
    {
        string s = t.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        if (t.Offset == TimeSpan.Zero) return s + "Z";
        var o = t.Offset;
        return s + (o < TimeSpan.Zero ? "-" : "+") + o.Duration().ToString("hh\\:mm", System.Globalization.CultureInfo.InvariantCulture);
    }
}
