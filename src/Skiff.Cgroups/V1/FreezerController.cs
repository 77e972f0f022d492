using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.Cgroups.V1;

/// <summary>
/// freezer: v1 freezer.state (runc fs/freezer.go). A v1 cgroup can stay FREEZING while tasks keep forking, so
/// freezing retries, with an occasional thaw and sleep, and thaws again on failure.
/// </summary>
internal sealed class FreezerController : Controller
{
    public override string Name => "freezer";

    public static void Freeze(CgroupFs fs, string dir)
    {
        bool ok = false;
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                if (i % 50 == 49)
                {
                    // A short thaw gives tasks caught mid-fork a chance to settle.
                    fs.TryWrite(Path.Join(dir, "freezer.state"), "THAWED", out _);
                    Thread.Sleep(10);
                }
                fs.Write(dir, "freezer.state", "FROZEN");
                if (i % 25 == 24) Thread.Sleep(1);
                string state = fs.Read(dir, "freezer.state").Trim();
                switch (state)
                {
                    case "FREEZING":
                        continue;
                    case "FROZEN":
                        if (i > 1) Log.Debug($"frozen after {i} retries");
                        ok = true;
                        return;
                    default:
                        throw new CgroupException($"unexpected state {state} while freezing");
                }
            }
            throw new CgroupException("unable to freeze");
        }
        finally
        {
            // Never leave the cgroup FROZEN or FREEZING after a failure.
            if (!ok) fs.TryWrite(Path.Join(dir, "freezer.state"), "THAWED", out _);
        }
    }

    public static void Thaw(CgroupFs fs, string dir) => fs.Write(dir, "freezer.state", "THAWED");

    /// <summary>True when this cgroup itself is frozen (not only an ancestor); false if the kernel has no freezer.</summary>
    public static bool IsFrozen(CgroupFs fs, string dir)
    {
        while (true)
        {
            string? state = CgroupFs.TryRead(Path.Join(dir, "freezer.state"), out Errno err);
            if (state is null)
            {
                if (err is Errno.ENOENT or Errno.ENODEV) return false;
                throw new SyscallException("open", err, Path.Join(dir, "freezer.state"));
            }
            switch (state.Trim())
            {
                case "THAWED":
                    return false;
                case "FROZEN":
                    string? self = CgroupFs.TryRead(Path.Join(dir, "freezer.self_freezing"), out _);
                    return self is null || self.Trim() != "0";
                case "FREEZING":
                    Thread.Sleep(1);
                    continue;
                default:
                    throw new CgroupException($"unknown freezer.state \"{state.Trim()}\"");
            }
        }
    }
}
