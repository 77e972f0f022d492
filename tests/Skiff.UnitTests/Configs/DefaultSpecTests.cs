using Xunit;
using System.Text;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;

namespace Skiff.UnitTests.Configs;

public class DefaultSpecTests
{
    // `runc spec` (Debian's runc 1.1.5) byte for byte; ToSkiff applies the intended differences.
    private const string RuncSpec = """
{
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
			"sh"
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"effective": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"permitted": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"ambient": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "runc",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": [
				"nosuid",
				"strictatime",
				"mode=755",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": [
				"nosuid",
				"noexec",
				"newinstance",
				"ptmxmode=0666",
				"mode=0620",
				"gid=5"
			]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"mode=1777",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": [
				"nosuid",
				"noexec",
				"nodev"
			]
		},
		{
			"destination": "/sys",
			"type": "sysfs",
			"source": "sysfs",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"ro"
			]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"relatime",
				"ro"
			]
		}
	],
	"linux": {
		"resources": {
			"devices": [
				{
					"allow": false,
					"access": "rwm"
				}
			]
		},
		"namespaces": [
			{
				"type": "pid"
			},
			{
				"type": "network"
			},
			{
				"type": "ipc"
			},
			{
				"type": "uts"
			},
			{
				"type": "mount"
			}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		]
	}
}
""";

    private const string RuncRootlessSpec = """
{
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": true,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
			"sh"
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"effective": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"permitted": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"ambient": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "runc",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": [
				"nosuid",
				"strictatime",
				"mode=755",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": [
				"nosuid",
				"noexec",
				"newinstance",
				"ptmxmode=0666",
				"mode=0620"
			]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"mode=1777",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": [
				"nosuid",
				"noexec",
				"nodev"
			]
		},
		{
			"destination": "/sys",
			"type": "none",
			"source": "/sys",
			"options": [
				"rbind",
				"nosuid",
				"noexec",
				"nodev",
				"ro"
			]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"relatime",
				"ro"
			]
		}
	],
	"linux": {
		"uidMappings": [
			{
				"containerID": 0,
				"hostID": 0,
				"size": 1
			}
		],
		"gidMappings": [
			{
				"containerID": 0,
				"hostID": 0,
				"size": 1
			}
		],
		"namespaces": [
			{
				"type": "pid"
			},
			{
				"type": "ipc"
			},
			{
				"type": "uts"
			},
			{
				"type": "mount"
			},
			{
				"type": "user"
			}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		]
	}
}
""";

    // runc 1.2 dropped ambient capabilities from the example (runc#4367); runc 1.4/1.5 use runtime-spec 1.3.0;
    // the hostname is ours.
    private static string ToSkiff(string runc)
    {
        string s = runc.Replace("\"ociVersion\": \"1.0.2-dev\"", "\"ociVersion\": \"1.3.0\"")
            .Replace("\"hostname\": \"runc\"", "\"hostname\": \"skiff\"");
        const string ambient = "],\n\t\t\t\"ambient\": [\n\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n\t\t\t";
        Assert.Contains(ambient, s);
        return s.Replace(ambient, "");
    }

    [Fact]
    public void Example_MatchesRuncSpecByteForByte()
    {
        string ours = Encoding.UTF8.GetString(DefaultSpec.Serialize(DefaultSpec.Example(cgroup2Unified: false)));
        Assert.Equal(ToSkiff(RuncSpec), ours);
        Assert.False(ours.EndsWith('\n'));
    }

    [Fact]
    public void Rootless_MatchesRuncSpecRootless()
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        DefaultSpec.ToRootless(spec, 0, 0);
        Assert.Equal(ToSkiff(RuncRootlessSpec), Encoding.UTF8.GetString(DefaultSpec.Serialize(spec)));
    }

    [Fact]
    public void Rootless_MapsCallerAndDropsNetworkAndResources()
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        DefaultSpec.ToRootless(spec, 1000, 1001);
        Assert.Equal(1000u, spec.Linux!.UidMappings![0].HostId);
        Assert.Equal(1001u, spec.Linux.GidMappings![0].HostId);
        Assert.Equal(0u, spec.Linux.UidMappings[0].ContainerId);
        Assert.DoesNotContain(spec.Linux.Namespaces!, n => n.Type == "network");
        Assert.Equal("user", spec.Linux.Namespaces![^1].Type);
        Assert.Null(spec.Linux.Resources);
        var sys = spec.Mounts!.Single(m => m.Destination == "/sys");
        Assert.Equal("none", sys.Type);
        Assert.Equal(["rbind", "nosuid", "noexec", "nodev", "ro"], sys.Options!);
        Assert.DoesNotContain("gid=5", spec.Mounts!.Single(m => m.Destination == "/dev/pts").Options!);
    }

    [Fact]
    public void Example_AddsCgroupNamespaceOnUnifiedHosts()
    {
        Assert.Equal("cgroup", DefaultSpec.Example(cgroup2Unified: true).Linux!.Namespaces![^1].Type);
        Assert.DoesNotContain(DefaultSpec.Example(cgroup2Unified: false).Linux!.Namespaces!, n => n.Type == "cgroup");
    }

    [Fact]
    public void Example_RoundTripsThroughTheLoader()
    {
        Spec back = SpecLoader.Parse(DefaultSpec.Serialize(DefaultSpec.Example()));
        Assert.Equal(["sh"], back.Process!.Args!);
        Assert.True(back.Process.Terminal);
        Assert.Equal("rootfs", back.Root!.Path);
    }

    [Theory]
    [InlineData("/a/b/../c", "/a/c")]
    [InlineData("/../x", "/x")]
    [InlineData("a//b/./", "a/b")]
    [InlineData("", ".")]
    [InlineData("../a", "../a")]
    [InlineData("/", "/")]
    public void CleanPath_IsGoFilepathClean(string input, string expected) => Assert.Equal(expected, DefaultSpec.CleanPath(input));
}
