using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>rdma: "&lt;device&gt; hca_handle=N hca_object=M" → rdma.max, one device per write.</summary>
internal sealed class RdmaController : Controller
{
    public override string Name => "rdma";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        if (r.Rdma is null) return;
        foreach (string dev in OrdinalKeys.Sorted(r.Rdma.Keys))
        {
            LinuxRdma lim = r.Rdma[dev];
            if (lim.HcaHandles is null && lim.HcaObjects is null) continue;
            string line = dev;
            if (lim.HcaHandles is uint h) line += $" hca_handle={h}";
            if (lim.HcaObjects is uint o) line += $" hca_object={o}";
            fs.Write(dir, "rdma.max", line);
        }
    }
}
