using Skiff.Linux;

namespace Skiff.Cgroups.V2;

public sealed partial class Manager
{
    private const int FreezeWaitMs = 10, FreezeMaxIter = 1000;

    /// <summary>Writes 1 to cgroup.freeze and waits until cgroup.events says "frozen 1".</summary>
    public void Freeze()
    {
        Errno e = CgroupFiles.TryWrite(Dir, "cgroup.freeze", "1", out Exception? err);
        if (e == Errno.ENOENT) throw new CgroupV2Exception("freezer not supported", err);
        if (e != Errno.OK) throw err!;
        WaitFrozen();
    }

    /// <summary>Writes 0 to cgroup.freeze (nothing to do when the cgroup has no freezer).</summary>
    public void Thaw()
    {
        Errno e = CgroupFiles.TryWrite(Dir, "cgroup.freeze", "0", out Exception? err);
        if (e == Errno.ENOENT) return;
        if (e != Errno.OK) throw err!;
        string state = CgroupFiles.Read(Dir, "cgroup.freeze").Trim();
        if (state != "0")
            throw new CgroupV2Exception($"expected \"cgroup.freeze\" to be in state \"THAWED\" but was in \"{state}\"");
    }

    /// <summary>Whether the cgroup is asked to be frozen (cgroup.freeze is 1).</summary>
    public bool IsFrozen() => CgroupFiles.TryRead(Dir, "cgroup.freeze")?.Trim() == "1";

    private void WaitFrozen()
    {
        for (int i = 0; ; i++)
        {
            string events = CgroupFiles.Read(Dir, "cgroup.events");
            string? frozen = CgroupFiles.ValueByKey(events, "frozen");
            if (frozen is null) throw new CgroupV2Exception($"no \"frozen\" key in {Path.Combine(Dir, "cgroup.events")}");
            if (frozen == "1") return;
            if (i == FreezeMaxIter)
                throw new CgroupV2Exception($"timeout of {FreezeWaitMs * FreezeMaxIter / 1000}s reached waiting for the cgroup to freeze");
            Thread.Sleep(FreezeWaitMs);
        }
    }

    /// <summary>SIGKILLs everything in the cgroup (<see cref="KillAll"/>); false only when the cgroup is gone.</summary>
    public bool TryKillAll()
    {
        if (!Directory.Exists(Dir)) return false;
        KillAll();
        return true;
    }

    /// <summary>
    /// SIGKILLs every process in the cgroup and its sub-cgroups via cgroup.kill (Linux 5.14+); on older kernels,
    /// freezes, kills each pid, and thaws (as runc's signalAllProcesses).
    /// </summary>
    public void KillAll()
    {
        const int SIGKILL = 9;
        Errno e = CgroupFiles.TryWrite(Dir, "cgroup.kill", "1", out Exception? err);
        if (e == Errno.OK) return;
        if (e != Errno.ENOENT) throw err!;
        bool frozen = false;
        try { Freeze(); frozen = true; } catch (CgroupV2Exception) { /* kill anyway */ }
        try
        {
            foreach (int pid in GetAllPids())
            {
                Errno ke = Check.Try(Libc.kill(pid, SIGKILL));
                if (ke != Errno.OK && ke != Errno.ESRCH) Check.Throw("kill", ke);
            }
        }
        finally
        {
            if (frozen) Thaw();
        }
    }
}
