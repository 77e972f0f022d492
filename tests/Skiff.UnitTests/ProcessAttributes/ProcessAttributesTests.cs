using Skiff.LibContainer.ProcessAttributes;
using System.Runtime.InteropServices;
using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;
using SpecScheduler = Skiff.RuntimeSpec.Scheduler;
using SchedulerSetup = Skiff.LibContainer.ProcessAttributes.Scheduler;

namespace Skiff.UnitTests.ProcessAttributes;

/// <summary>Scheduler, I/O priority, personality and LSM label handling: runc's validation texts, the values
/// handed to the kernel, and the real syscalls on a throw-away thread.</summary>
public sealed class ProcessAttributesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-procattr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fails(Action a) => ErrorText.Render(Assert.Throws<ContainerException>(a));

    // ---- scheduler ----

    [Fact]
    public void SchedAttrIsTheKernelsVer1Struct() => Assert.Equal(56, Marshal.SizeOf<SchedAttr>());

    [Theory]
    [InlineData("SCHED_OTHER", 0)]
    [InlineData("SCHED_FIFO", 1)]
    [InlineData("SCHED_RR", 2)]
    [InlineData("SCHED_BATCH", 3)]
    [InlineData("SCHED_ISO", 4)]
    [InlineData("SCHED_IDLE", 5)]
    [InlineData("SCHED_DEADLINE", 6)]
    public void EveryPolicyMapsToItsValue(string policy, uint value) =>
        Assert.Equal(value, SchedulerSetup.ToAttr(new SpecScheduler { Policy = policy }).Policy);

    [Fact]
    public void EveryFlagMapsToItsBit()
    {
        var s = new SpecScheduler
        {
            Policy = "SCHED_DEADLINE",
            Runtime = 1, Deadline = 2, Period = 3,
            Flags = ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
                "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX"],
        };
        SchedAttr a = SchedulerSetup.ToAttr(s);
        Assert.Equal(0x7FUL, a.Flags);
        Assert.Equal((1UL, 2UL, 3UL), (a.Runtime, a.Deadline, a.Period));
        Assert.Equal(56U, a.Size);
    }

    [Theory]
    [InlineData("", 0, 0, 0UL, null, "scheduler policy is required")]
    [InlineData("SCHED_FOO", 0, 0, 0UL, null, "invalid scheduler policy: SCHED_FOO")]
    [InlineData("SCHED_OTHER", -21, 0, 0UL, null, "invalid scheduler.nice: -21 when scheduler.policy is SCHED_OTHER")]
    [InlineData("SCHED_BATCH", 20, 0, 0UL, null, "invalid scheduler.nice: 20 when scheduler.policy is SCHED_BATCH")]
    [InlineData("SCHED_OTHER", 0, 1, 0UL, null, "scheduler.priority can only be specified for SchedFIFO or SchedRR policy")]
    [InlineData("SCHED_IDLE", 0, 0, 5UL, null, "scheduler runtime/deadline/period can only be specified for SchedDeadline policy")]
    [InlineData("SCHED_OTHER", 0, 0, 0UL, "SCHED_FLAG_NOPE", "invalid scheduler flag: SCHED_FLAG_NOPE")]
    public void RuncsSchedulerChecks(string policy, int nice, int prio, ulong runtime, string? flag, string message)
    {
        var s = new SpecScheduler { Policy = policy, Nice = nice, Priority = prio, Runtime = runtime, Flags = flag is null ? null : [flag] };
        Assert.Equal(message, Fails(() => SchedulerSetup.Validate(s)));
    }

    [Fact]
    public void NiceIsOnlyCheckedForOtherAndBatch()
    {
        // runc 1.2: SCHED_IDLE ignores nice, the kernel too
        SchedulerSetup.Validate(new SpecScheduler { Policy = "SCHED_IDLE", Nice = 40 });
        SchedulerSetup.Validate(new SpecScheduler { Policy = "SCHED_FIFO", Priority = 50 });
    }

    [Fact]
    public void ApplySetsTheCallingThreadsPolicyAndNice()
    {
        var (rc, attr) = TestThread.Run(() =>
        {
            SchedulerSetup.Apply(new SpecScheduler { Policy = "SCHED_BATCH", Nice = 3 }, null);
            int r = Libc.SchedGetattr(0, out SchedAttr a);
            return (r, a);
        });
        Assert.Equal(0, rc);
        Assert.Equal((uint)Libc.SCHED_BATCH, attr.Policy);
        Assert.Equal(3, attr.Nice);
        // the test thread itself is untouched
        Assert.Equal(0, Libc.SchedGetattr(0, out SchedAttr mine));
        Assert.Equal((uint)Libc.SCHED_OTHER, mine.Policy);
    }

    [Fact]
    public void AKernelRefusalIsErrorSettingScheduler()
    {
        var ex = Assert.Throws<AggregateException>(() => TestThread.Run(() =>
        {
            SchedulerSetup.Apply(new SpecScheduler { Policy = "SCHED_FIFO", Priority = 100 }, null);
            return 0;
        }));
        var inner = Assert.IsType<ContainerException>(ex.InnerException);
        Assert.Equal("error setting scheduler: sched_setattr: invalid argument", ErrorText.Render(inner));
    }

    // ---- I/O priority ----

    [Theory]
    [InlineData("IOPRIO_CLASS_RT", 0, (1 << 13) | 0)]
    [InlineData("IOPRIO_CLASS_BE", 7, (2 << 13) | 7)]
    [InlineData("IOPRIO_CLASS_IDLE", 0, 3 << 13)]
    public void IoPriorityValue(string cls, int prio, int value) =>
        Assert.Equal(value, IoPriority.Value(new LinuxIOPriority { Class = cls, Priority = prio }));

    [Theory]
    [InlineData("IOPRIO_CLASS_BE", 8, "invalid ioPriority.Priority: 8")]
    [InlineData("IOPRIO_CLASS_BE", -1, "invalid ioPriority.Priority: -1")]
    [InlineData("IOPRIO_CLASS_NONE", 0, "invalid io priority class: IOPRIO_CLASS_NONE")]
    [InlineData("", 0, "invalid io priority class: ")]
    public void RuncsIoPriorityChecks(string cls, int prio, string message) =>
        Assert.Equal(message, Fails(() => IoPriority.Validate(new LinuxIOPriority { Class = cls, Priority = prio })));

    [Fact]
    public void ApplySetsTheThreadsIoPriority()
    {
        int got = TestThread.Run(() =>
        {
            IoPriority.Apply(new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 6 });
            return Libc.ioprio_get(Libc.IOPRIO_WHO_PROCESS, 0);
        });
        Assert.Equal((2 << 13) | 6, got);
    }

    // ---- personality ----

    [Fact]
    public void PersonalityDomains()
    {
        Assert.Equal(0U, Personality.Domain(new LinuxPersonality { Domain = "LINUX" }));
        Assert.Equal(8U, Personality.Domain(new LinuxPersonality { Domain = "LINUX32" }));
        Assert.Equal("invalid personality domain linux32", Fails(() => Personality.Validate(new LinuxPersonality { Domain = "linux32" })));
    }

    [Fact]
    public void ApplySetsThePersona()
    {
        uint persona = TestThread.Run(() =>
        {
            uint before = (uint)Libc.personality(Libc.PERSONALITY_QUERY);
            Personality.Apply(new LinuxPersonality { Domain = "LINUX32" });
            uint now = (uint)Libc.personality(Libc.PERSONALITY_QUERY);
            Libc.personality(before);
            return now;
        });
        Assert.Equal(Libc.PER_LINUX32, persona & 0xff);
    }

    // ---- labels ----

    private string Sys(bool securityfs, string? enabled)
    {
        string sys = Path.Combine(_dir, "sys-" + Guid.NewGuid().ToString("N")[..6]);
        if (securityfs) Directory.CreateDirectory(Path.Combine(sys, "kernel/security/apparmor"));
        if (enabled is not null)
        {
            Directory.CreateDirectory(Path.Combine(sys, "module/apparmor/parameters"));
            File.WriteAllText(Path.Combine(sys, "module/apparmor/parameters/enabled"), enabled);
        }
        return sys;
    }

    [Fact]
    public void AppArmorIsEnabledOnlyWithSecurityfsAndTheModuleSwitchedOn()
    {
        Assert.True(Labels.AppArmorEnabled(Sys(true, "Y\n")));
        Assert.False(Labels.AppArmorEnabled(Sys(true, "N\n")));
        Assert.False(Labels.AppArmorEnabled(Sys(false, "Y\n")));
        Assert.False(Labels.AppArmorEnabled(Sys(true, null)));
    }

    [Fact]
    public void SelinuxIsEnabledWithSelinuxfsAndALoadedPolicy()
    {
        string sys = Path.Combine(_dir, "sys-se"), proc = Path.Combine(_dir, "proc-se");
        Directory.CreateDirectory(Path.Combine(sys, "fs/selinux"));
        Directory.CreateDirectory(Path.Combine(proc, "self/attr"));
        File.WriteAllText(Path.Combine(proc, "self/mountinfo"), "");
        File.WriteAllText(Path.Combine(proc, "self/attr/current"), "unconfined_u:unconfined_r:unconfined_t:s0\0");
        Assert.False(Labels.SelinuxEnabled(sys, proc)); // no selinuxfs
        File.WriteAllText(Path.Combine(sys, "fs/selinux/enforce"), "1");
        Assert.True(Labels.SelinuxEnabled(sys, proc));
        File.WriteAllText(Path.Combine(proc, "self/attr/current"), "kernel\0");
        Assert.False(Labels.SelinuxEnabled(sys, proc)); // no policy loaded
    }

    [Fact]
    public void SelinuxfsFoundInMountinfo()
    {
        string sys = Path.Combine(_dir, "sys-mi"), proc = Path.Combine(_dir, "proc-mi");
        Directory.CreateDirectory(Path.Combine(proc, "self/attr"));
        File.WriteAllText(Path.Combine(proc, "self/mountinfo"),
            "30 25 0:27 / /selinux rw,relatime shared:7 - selinuxfs selinuxfs rw\n");
        File.WriteAllText(Path.Combine(proc, "self/attr/current"), "system_u:system_r:init_t:s0");
        Assert.True(Labels.SelinuxEnabled(sys, proc));
    }

    [Fact]
    public void MountLabelFormatting()
    {
        Assert.Equal("mode=755", Labels.FormatMountLabel("mode=755", "l", selinuxEnabled: false));
        Assert.Equal("mode=755,context=\"a:b:c:s0\"", Labels.FormatMountLabel("mode=755", "a:b:c:s0", selinuxEnabled: true));
        Assert.Equal("context=\"a:b:c:s0\"", Labels.FormatMountLabel("", "a:b:c:s0", selinuxEnabled: true));
        Assert.Equal("mode=755", Labels.FormatMountLabel("mode=755", null, selinuxEnabled: true));
    }

    [Fact]
    public void LabelsRequestedOnThisHostFailClearly()
    {
        if (Labels.AppArmorEnabled() || Labels.SelinuxEnabled()) return; // the checks below assume neither LSM runs
        Assert.Equal("unable to apply apparmor profile: apparmor profile \"p\" is specified in config, but apparmor is not enabled on this host",
            Fails(() => Labels.Validate("p", null, null)));
        Assert.Equal("selinux label is specified in config, but selinux is disabled or not supported",
            Fails(() => Labels.Validate(null, "system_u:system_r:container_t:s0", null)));
        Assert.Equal("selinux mount label is specified in config, but selinux is disabled or not supported",
            Fails(() => Labels.Validate(null, null, "system_u:object_r:container_file_t:s0")));
        Labels.Validate("", "", "");
    }

    // ---- through Validate.Spec ----

    private Spec Good()
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        Directory.CreateDirectory(Path.Combine(_dir, "rootfs"));
        spec.Root!.Path = Path.Combine(_dir, "rootfs");
        return spec;
    }

    [Fact]
    public void ValidateSpecChecksProcessAttributesAndSeccomp()
    {
        var s = Good();
        s.Process!.Scheduler = new SpecScheduler { Policy = "SCHED_NOPE" };
        Assert.Equal("invalid scheduler policy: SCHED_NOPE", Fails(() => Validate.Spec(s, false)));

        s = Good();
        s.Process!.IoPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 9 };
        Assert.Equal("invalid ioPriority.Priority: 9", Fails(() => Validate.Spec(s, false)));

        s = Good();
        s.Linux!.Personality = new LinuxPersonality { Domain = "LINUX64" };
        Assert.Equal("invalid personality domain LINUX64", Fails(() => Validate.Spec(s, false)));

        s = Good();
        s.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_NOPE" };
        Assert.Equal("string SCMP_ACT_NOPE is not a valid action for seccomp", Fails(() => Validate.Spec(s, false)));

        s = Good();
        s.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Architectures = ["SCMP_ARCH_NOPE"] };
        Assert.Equal("string SCMP_ARCH_NOPE is not a valid arch for seccomp", Fails(() => Validate.Spec(s, false)));

        s = Good();
        s.Process!.Scheduler = new SpecScheduler { Policy = "SCHED_BATCH", Nice = 5, Flags = ["SCHED_FLAG_RESET_ON_FORK"] };
        s.Process.IoPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_IDLE" };
        s.Linux!.Personality = new LinuxPersonality { Domain = "LINUX32" };
        Validate.Spec(s, false);
    }
}
