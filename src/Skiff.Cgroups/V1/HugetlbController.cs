using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// hugetlb: hugetlb.&lt;size&gt;.limit_in_bytes for each page size ("2MB", "1GB": the spec's names are the kernel's),
/// and the reservation limit hugetlb.&lt;size&gt;.rsvd.limit_in_bytes where the kernel has it (runc fs/hugetlb.go).
/// </summary>
internal sealed class HugetlbController : Controller
{
    public override string Name => "hugetlb";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        bool skipRsvd = false;
        foreach (LinuxHugepageLimit l in r.HugepageLimits ?? [])
        {
            string prefix = "hugetlb." + l.PageSize;
            string val = l.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            fs.Write(dir, prefix + ".limit_in_bytes", val);
            if (skipRsvd || fs.Fake) continue;
            try
            {
                fs.Write(dir, prefix + ".rsvd.limit_in_bytes", val);
            }
            catch (CgroupException ex) when (ex.InnerException is SyscallException { Errno: Errno.ENOENT })
            {
                skipRsvd = true;
            }
        }
    }
}
