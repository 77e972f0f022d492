using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Skiff.LibContainer;
using Skiff.RuntimeSpec;

namespace Skiff.Cli.Commands;

/// <summary>runc's containerState as `state` and `list` print it (field order as runc's struct).</summary>
internal static class StateJson
{
    internal sealed record ContainerState(
        string OciVersion, string Id, int Pid, string Status, string Bundle, string Rootfs,
        DateTimeOffset Created, IReadOnlyDictionary<string, string>? Annotations, string Owner);

    public static ContainerState From(Container c, string owner)
    {
        ContainerStatus status = c.Status;
        string version = c.Config.OciVersion; // not OciState(): it would compute the status a second time
        // runc reports pid 0 for a stopped container.
        int pid = status == ContainerStatus.Stopped ? 0 : c.InitPid;
        return new ContainerState(version, c.Id, pid, status.Text(), c.Bundle, c.Rootfs, c.Created, c.Annotations, owner);
    }

    /// <summary>Go's time.RFC3339Nano of a UTC time: fraction without trailing zeros, "Z".</summary>
    public static string Rfc3339Nano(DateTimeOffset t)
    {
        DateTime u = t.UtcDateTime;
        string s = u.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        long frac = u.Ticks % TimeSpan.TicksPerSecond;
        if (frac != 0) s += "." + (frac * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return s + "Z";
    }

    private static readonly JsonWriterOptions s_indented = new()
    {
        Indented = true, IndentSize = 2, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    private static readonly JsonWriterOptions s_compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>json.MarshalIndent(cs, "", "  "), no trailing newline.</summary>
    public static string Indented(ContainerState s)
    {
        var buf = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buf, s_indented)) Write(w, s);
        return Encoding.UTF8.GetString(buf.WrittenSpan);
    }

    /// <summary>json.Marshal of the list; Go encodes an empty (nil) slice as null.</summary>
    public static string Compact(IReadOnlyList<ContainerState> states)
    {
        if (states.Count == 0) return "null";
        var buf = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buf, s_compact))
        {
            w.WriteStartArray();
            foreach (var s in states) Write(w, s);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buf.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter w, ContainerState s)
    {
        w.WriteStartObject();
        w.WriteString("ociVersion", s.OciVersion);
        w.WriteString("id", s.Id);
        w.WriteNumber("pid", s.Pid);
        w.WriteString("status", s.Status);
        w.WriteString("bundle", s.Bundle);
        w.WriteString("rootfs", s.Rootfs);
        w.WriteString("created", Rfc3339Nano(s.Created));
        if (s.Annotations is { Count: > 0 })
        {
            w.WriteStartObject("annotations");
            // Go sorts map keys.
            foreach (string key in OrdinalKeys.Sorted(s.Annotations.Keys)) w.WriteString(key, s.Annotations[key]);
            w.WriteEndObject();
        }
        w.WriteString("owner", s.Owner);
        w.WriteEndObject();
    }

    /// <summary>runc's list table: text/tabwriter with minwidth 12, tabwidth 1, padding 3; the last column unpadded.</summary>
    public static string Table(IReadOnlyList<ContainerState> states)
    {
        var rows = new List<string[]> { new[] { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" } };
        foreach (var s in states)
            rows.Add([s.Id, s.Pid.ToString(CultureInfo.InvariantCulture), s.Status, s.Bundle, Rfc3339Nano(s.Created), s.Owner]);
        return TabWriter(rows, minWidth: 12, padding: 3);
    }

    public static string TabWriter(List<string[]> rows, int minWidth, int padding)
    {
        int cols = rows.Max(r => r.Length);
        var widths = new int[cols];
        foreach (var r in rows)
            for (int i = 0; i < r.Length - 1; i++)
                widths[i] = Math.Max(widths[i], Math.Max(minWidth, CellWidth(r[i]) + padding));
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (int i = 0; i < r.Length; i++)
            {
                sb.Append(r[i]);
                if (i < r.Length - 1) sb.Append(' ', widths[i] - CellWidth(r[i]));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    // tabwriter counts UTF-8 runes.
    private static int CellWidth(string s)
    {
        int n = 0;
        foreach (Rune _ in s.EnumerateRunes()) n++;
        return n;
    }
}
