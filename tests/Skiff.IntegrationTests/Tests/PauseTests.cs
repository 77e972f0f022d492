using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`pause` / `resume` (runc's pause.bats): the freezer stops and restarts every process.</summary>
public sealed class PauseTests : ContainerTest
{
    private (string Id, Bundle Bundle, int Pid) StartCounter()
    {
        var b = ShellBundle("i=0; while :; do i=$((i+1)); echo $i > /dev/shm/counter; done");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Counter(pid) < 10)
        {
            Assert.True(DateTime.UtcNow < deadline, "the counter never advanced");
            Thread.Sleep(20);
        }
        return (id, b, pid);
    }

    private static long Counter(int pid)
    {
        for (int i = 0; i < 50; i++)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid}/root/dev/shm/counter").Trim();
                if (long.TryParse(text, out long v)) return v;
            }
            catch (IOException)
            {
            }
            Thread.Sleep(5); // caught between truncate and write
        }
        return 0;
    }

    [Fact]
    public void PauseFreezesAndResumeThaws()
    {
        var (id, b, pid) = StartCounter();
        Rt.Exec("pause", id).AssertSuccess();
        Assert.Equal("paused", Rt.Status(id));
        Assert.Contains(Rt.Exec("list").AssertSuccess().Stdout.Split('\n'), l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains("paused", StringComparison.Ordinal));
        long a = Counter(pid);
        Thread.Sleep(300);
        Assert.Equal(a, Counter(pid));

        Rt.Exec("resume", id).AssertSuccess();
        Assert.Equal("running", Rt.Status(id));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Counter(pid) <= a)
        {
            Assert.True(DateTime.UtcNow < deadline, "the counter did not advance after resume");
            Thread.Sleep(20);
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void PauseAndResumeCheckTheState()
    {
        var (id, b, _) = StartCounter();
        Rt.Exec("resume", id).AssertFailure("container not paused");
        Rt.Exec("pause", id).AssertSuccess();
        Rt.Exec("pause", id).AssertFailure("container not running");
        Rt.Exec("resume", id).AssertSuccess();
        Rt.Exec("pause", "nosuch-container").AssertFailure("container does not exist");
        Rt.Exec("pause").AssertFailure("requires exactly 1 argument");
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void KillWorksOnAPausedContainer()
    {
        var (id, b, _) = StartCounter();
        Rt.Exec("pause", id).AssertSuccess();
        Rt.Kill(id, "KILL").AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void DeleteForceWorksOnAPausedContainer()
    {
        var (id, b, _) = StartCounter();
        Rt.Exec("pause", id).AssertSuccess();
        Rt.Delete(id).AssertFailure("paused");
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
