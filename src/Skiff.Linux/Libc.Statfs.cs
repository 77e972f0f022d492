namespace Skiff.Linux;

public static partial class Libc
{
    /// <summary>The filesystem magic (f_type) of <paramref name="path"/>; throws "statfs PATH: ..." on failure.</summary>
    public static long StatfsType(string path)
    {
        Errno e = TryStatfsType(path, out long type);
        if (e != Errno.OK) Check.Throw("statfs", e, path);
        return type;
    }

    /// <summary>Like <see cref="StatfsType"/> but returns the errno instead of throwing (ENOENT probes).</summary>
    public static Errno TryStatfsType(string path, out long type)
    {
        int rc;
        FsStat st;
        do { rc = Statfs(path, out st); } while (rc < 0 && Check.LastErrno == Errno.EINTR);
        Errno e = Check.Try(rc);
        type = e == Errno.OK ? st.Type : 0;
        return e;
    }
}
