using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>Reads /proc/PID/stat: the state letter and the start time (field 22).</summary>
internal static class ProcStat
{
    /// <summary>(state, starttime), or null when the process does not exist.</summary>
    public static (char State, ulong Start)? Read(int pid)
    {
        if (pid <= 0) return null;
        string? text = Libc.TryReadText($"/proc/{pid}/stat");
        if (text is null) return null;
        // the comm field may hold spaces and parentheses: parse after the last ')'
        int close = text.LastIndexOf(')');
        if (close < 0) return null;
        string[] f = text[(close + 2)..].Split(' ');
        // f[0] is field 3 (state); field 22 is f[19]
        if (f.Length < 20 || !ulong.TryParse(f[19], out ulong start)) return null;
        return (f[0][0], start);
    }

    /// <summary>PF_EXITING in the flags of /proc/PID/stat (field 9): the task has begun to exit.</summary>
    private const uint PF_EXITING = 0x4;

    /// <summary>True when <paramref name="pid"/> is gone, a zombie, or on its way out (an init still waiting in
    /// the kernel for the rest of its pid namespace shows 'S' with PF_EXITING).</summary>
    public static bool IsExiting(int pid)
    {
        string? text = Libc.TryReadText($"/proc/{pid}/stat");
        if (text is null) return true;
        int close = text.LastIndexOf(')');
        string[] f = close < 0 ? [] : text[(close + 2)..].Split(' ');
        // f[0] is field 3 (state), f[6] field 9 (flags)
        if (f.Length < 7 || !uint.TryParse(f[6], out uint flags)) return false;
        return f[0] is "Z" or "X" || (flags & PF_EXITING) != 0;
    }

    /// <summary>True when <paramref name="pid"/> is alive (not a zombie) and started at <paramref name="start"/>.</summary>
    public static bool IsAlive(int pid, ulong start)
    {
        var s = Read(pid);
        return s is { } st && st.Start == start && st.State != 'Z' && st.State != 'X';
    }
}
