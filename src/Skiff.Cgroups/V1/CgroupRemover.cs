using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.Cgroups.V1;

/// <summary>
/// Removes cgroup directories as runc's cgroups.RemovePaths: sub-cgroups first, EBUSY (tasks still exiting)
/// retried with a growing delay, ENOENT counted as done; a few rounds over all paths before giving up.
/// </summary>
internal static class CgroupRemover
{
    public static void RemovePaths(IEnumerable<string> dirs, bool fake)
    {
        var left = new HashSet<string>(dirs);
        int delay = 10;
        const int rounds = 5;
        Exception? last = null;
        for (int i = 0; i < rounds; i++)
        {
            if (i > 0)
            {
                Thread.Sleep(delay);
                delay *= 2;
            }
            foreach (string dir in left.ToList())
            {
                try
                {
                    RemovePath(dir, fake);
                }
                catch (SyscallException ex)
                {
                    last = ex;
                    if (i == 0) Log.Debug($"failed to remove cgroup (will retry): {ex.Message}");
                }
                if (!Directory.Exists(dir)) left.Remove(dir);
            }
            if (left.Count == 0) return;
        }
        throw new CgroupException(
            $"failed to remove paths: {string.Join(", ", left.Order(StringComparer.Ordinal))}", last);
    }

    /// <summary>rmdir, or on failure the sub-cgroups first and then rmdir with EBUSY retries.</summary>
    public static void RemovePath(string dir, bool fake)
    {
        if (fake) DeleteFiles(dir);
        if (Rmdir(dir, retry: false) == Errno.OK) return;
        if (Directory.Exists(dir))
        {
            foreach (string sub in Directory.EnumerateDirectories(dir)) RemovePath(sub, fake);
        }
        Errno e = Rmdir(dir, retry: true);
        if (e != Errno.OK) Check.Throw("rmdir", e, dir);
    }

    private static Errno Rmdir(string dir, bool retry)
    {
        int delay = 1, tries = 10;
        while (true)
        {
            Errno e = Check.Try(Libc.rmdir(dir));
            switch (e)
            {
                case Errno.OK or Errno.ENOENT:
                    return Errno.OK;
                case Errno.EINTR:
                    continue;
                case Errno.EBUSY when retry && tries > 0:
                    Thread.Sleep(delay);
                    delay *= 2;
                    tries--;
                    continue;
                default:
                    return e;
            }
        }
    }

    private static void DeleteFiles(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (string f in Directory.EnumerateFiles(dir)) File.Delete(f);
    }
}
