using System.Buffers.Text;
using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>Reads /proc/PID/stat: the state letter and the start time (field 22).</summary>
internal static class ProcStat
{
    /// <summary>(state, starttime), or null when the process does not exist.</summary>
    public static (char State, ulong Start)? Read(int pid)
    {
        Span<byte> buf = stackalloc byte[Capacity];
        if (!Fields(pid, buf, out ReadOnlySpan<byte> rest)) return null;
        // field 3 (the state) comes first; field 22 is the starttime
        if (rest.IsEmpty || !TryField(rest, 22 - 3, out ReadOnlySpan<byte> start) ||
            !Utf8Parser.TryParse(start, out ulong value, out int used) || used != start.Length)
            return null;
        return ((char)rest[0], value);
    }

    /// <summary>PF_EXITING in the flags of /proc/PID/stat (field 9): the task has begun to exit.</summary>
    private const uint PF_EXITING = 0x4;

    /// <summary>True when <paramref name="pid"/> is gone, a zombie, or on its way out (an init still waiting in
    /// the kernel for the rest of its pid namespace shows 'S' with PF_EXITING).</summary>
    public static bool IsExiting(int pid)
    {
        Span<byte> buf = stackalloc byte[Capacity];
        if (!Fields(pid, buf, out ReadOnlySpan<byte> rest)) return true;
        if (rest.IsEmpty || !TryField(rest, 9 - 3, out ReadOnlySpan<byte> flagsText) ||
            !Utf8Parser.TryParse(flagsText, out uint flags, out int used) || used != flagsText.Length)
            return false;
        return rest[0] is (byte)'Z' or (byte)'X' || (flags & PF_EXITING) != 0;
    }

    /// <summary>True when <paramref name="pid"/> is alive (not a zombie) and started at <paramref name="start"/>.</summary>
    public static bool IsAlive(int pid, ulong start)
    {
        var s = Read(pid);
        return s is { } st && st.Start == start && st.State != 'Z' && st.State != 'X';
    }

    /// <summary>Enough for the fields up to 22: the comm field is 64 bytes at most, the numbers before 22 are
    /// shorter than 21 digits each.</summary>
    private const int Capacity = 1024;

    /// <summary>The fields from the state (field 3) on, space-separated; false when the process does not exist.
    /// The comm field may hold spaces and parentheses: they start after the last ')'.</summary>
    private static bool Fields(int pid, Span<byte> buf, out ReadOnlySpan<byte> rest)
    {
        rest = default;
        if (pid <= 0) return false;
        int n = Libc.TryReadInto($"/proc/{pid}/stat", buf, out _, out _);
        if (n <= 0) return false;
        ReadOnlySpan<byte> text = buf[..n];
        int close = text.LastIndexOf((byte)')');
        if (close < 0) return false;
        rest = close + 2 <= text.Length ? text[(close + 2)..] : default;
        return true;
    }

    /// <summary>Field <paramref name="index"/> (0: the first) of space-separated <paramref name="fields"/>.</summary>
    private static bool TryField(ReadOnlySpan<byte> fields, int index, out ReadOnlySpan<byte> value)
    {
        for (int i = 0; i < index; i++)
        {
            int space = fields.IndexOf((byte)' ');
            if (space < 0)
            {
                value = default;
                return false;
            }
            fields = fields[(space + 1)..];
        }
        int end = fields.IndexOfAny((byte)' ', (byte)'\n');
        value = end < 0 ? fields : fields[..end];
        return true;
    }
}
