using System.Text;
using System.Text.Json;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// Reads the child's JSON log lines from the log pipe on a thread and re-emits them at their level (runc's
/// logs.ForwardLogs). Fatal messages are kept: they are the error when init died without saying procError.
/// </summary>
public sealed class LogForwarder
{
    private readonly SafeFd _pipe;
    private readonly List<string> _fatal = [];
    private readonly ManualResetEventSlim _done = new(false, spinCount: 0);
    private Action? _first;

    public LogForwarder(SafeFd readEnd)
    {
        _pipe = readEnd;
    }

    /// <summary>Starts forwarding on the thread, which first runs <paramref name="first"/> (when set): work that
    /// blocks for a while (spawning the child, dropping the binary clone's mount) is taken off the caller's path.</summary>
    public void Start(Action? first = null)
    {
        _first = first;
        NativeThread.Start(Loop);
    }

    /// <summary>Fatal messages seen so far, joined with "; ".</summary>
    public string? FatalText
    {
        get { lock (_fatal) return _fatal.Count == 0 ? null : string.Join("; ", _fatal); }
    }

    /// <summary>Waits until the child closed its end (all lines forwarded), at most <paramref name="timeout"/>.</summary>
    public bool Wait(TimeSpan timeout) => _done.Wait(timeout);

    private void Loop()
    {
        var pending = new List<byte>(256);
        Span<byte> buf = stackalloc byte[4096];
        try
        {
            _first?.Invoke();
            while (true)
            {
                int n;
                try { n = Libc.Read(_pipe, buf, "read log pipe"); }
                catch (SyscallException) { break; }
                if (n == 0) break;
                for (int i = 0; i < n; i++)
                {
                    if (buf[i] == (byte)'\n')
                    {
                        Forward(pending);
                        pending.Clear();
                    }
                    else pending.Add(buf[i]);
                }
            }
            if (pending.Count > 0) Forward(pending);
        }
        finally
        {
            _pipe.Dispose();
            _done.Set();
        }
    }

    private void Forward(List<byte> line)
    {
        if (line.Count == 0) return;
        byte[] bytes = line.ToArray();
        LogLevel level = LogLevel.Info;
        string msg;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            string? lv = root.TryGetProperty("level", out var l) ? l.GetString() : null;
            level = (lv is null ? null : Log.ParseLevel(lv)) ?? LogLevel.Info;
            msg = root.TryGetProperty("msg", out var m) ? m.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            msg = Encoding.UTF8.GetString(bytes);
        }
        if (level <= LogLevel.Fatal)
        {
            lock (_fatal) _fatal.Add(msg);
            // a fatal line from init becomes the error; logged at error level once, by the caller
            if (Log.IsDebug) Log.Debug($"init fatal: {msg}");
            return;
        }
        if (level <= Log.Level) Log.Write(level, msg);
    }
}
