using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Verbs on one container from several callers at once, as an engine retrying on timeouts does: delete --force is
/// idempotent, kill/delete races end with the container gone, parallel creates of one id have exactly one winner.
/// </summary>
public sealed class ConcurrencyTests : ContainerTest
{
    private const int Rounds = 5;

    private static RunResult[] Parallel(params Func<RunResult>[] verbs)
    {
        using var go = new ManualResetEventSlim();
        var tasks = verbs.Select(v => Task.Run(() =>
        {
            go.Wait();
            return v();
        })).ToArray();
        go.Set();
        return Task.WhenAll(tasks).GetAwaiter().GetResult();
    }

    [Fact]
    public void ParallelForceDeletesAllSucceed()
    {
        var b = NewBundle("sleep", "100");
        for (int round = 0; round < Rounds; round++)
        {
            var id = NewId("del");
            Rt.CreateAndStart(id, b);
            var results = Parallel(Enumerable.Range(0, 4).Select(_ => (Func<RunResult>)(() => Rt.Delete(id, force: true))).ToArray());
            foreach (var r in results)
            {
                r.AssertSuccess();
                Assert.Equal("", r.Stderr);
            }
            AssertNothingLeaked(id, b);
        }
    }

    [Fact]
    public void KillDeleteForceAndDeleteRaceEndsWithTheContainerGone()
    {
        var b = NewBundle("sleep", "100");
        for (int round = 0; round < Rounds; round++)
        {
            var id = NewId("race");
            Rt.CreateAndStart(id, b);
            var r = Parallel(() => Rt.Kill(id, "KILL"), () => Rt.Delete(id, force: true), () => Rt.Delete(id));
            r[1].AssertSuccess();
            // kill and plain delete may lose the race, but only with runc's reasons
            if (r[0].ExitCode != 0)
            {
                Assert.Matches("container not running|container does not exist", r[0].Stderr);
            }
            if (r[2].ExitCode != 0)
            {
                Assert.Matches("that is not stopped|container does not exist", r[2].Stderr);
            }
            AssertNothingLeaked(id, b);
            Rt.StateRaw(id).AssertFailure("container does not exist");
        }
    }

    [Fact]
    public void ForceDeleteOfAnAlreadyDeletedContainerSucceeds()
    {
        var b = NewBundle("true");
        var id = NewId("gone");
        Rt.Create(id, b).AssertSuccess();
        Rt.Delete(id, force: true).AssertSuccess();
        Rt.Delete(id, force: true).AssertSuccess();
        Rt.Delete(id).AssertFailure("container does not exist", exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("a losing create's rollback removes the winner's cgroups and exec fifo")]
    public void ParallelCreatesOfOneIdHaveExactlyOneWinner()
    {
        var b = NewBundle("sleep", "100");
        b.Save();
        for (int round = 0; round < Rounds; round++)
        {
            var id = NewId("dup");
            var results = Parallel(Enumerable.Range(0, 4).Select(_ => (Func<RunResult>)(() => Rt.Create(id, b))).ToArray());
            Assert.Single(results, r => r.ExitCode == 0);
            foreach (var r in results.Where(r => r.ExitCode != 0))
            {
                r.AssertFailure("container with given ID already exists", exitCode: 1);
            }
            Assert.Equal("created", Rt.Status(id));
            Rt.Delete(id, force: true).AssertSuccess();
            AssertNothingLeaked(id, b);
        }
    }
}
