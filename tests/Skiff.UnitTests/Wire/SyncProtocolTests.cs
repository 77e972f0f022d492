using Skiff.LibContainer.Wire;
using Skiff.LibContainer;
using Skiff.LibContainer.Processes;
using Xunit;

namespace Skiff.UnitTests.Wire;

public class SyncProtocolTests
{
    [Theory]
    [InlineData(SyncType.procReady, null, "{\"type\":\"procReady\"}")]
    [InlineData(SyncType.procHooksDone, null, "{\"type\":\"procHooksDone\"}")]
    [InlineData(SyncType.procError, "exec: \"x\": nope", "{\"type\":\"procError\",\"message\":\"exec: \\u0022x\\u0022: nope\"}")]
    public void EncodeIsOneJsonObject(SyncType type, string? message, string expected)
    {
        string json = System.Text.Encoding.UTF8.GetString(new SyncMessage(type, message).Encode());
        Assert.Equal(expected, json);
    }

    [Fact]
    public void DecodeRoundTripsEveryType()
    {
        foreach (SyncType t in Enum.GetValues<SyncType>())
        {
            var m = SyncMessage.Decode(new SyncMessage(t, t == SyncType.procError ? "boom" : null).Encode());
            Assert.Equal(t, m.Type);
            Assert.Equal(t == SyncType.procError ? "boom" : null, m.Message);
        }
    }

    [Fact]
    public void WireNamesAreTheEnumNames()
    {
        // SyncTypes spells them out (no Enum reflection at run time): the table must not drift from the enum
        foreach (SyncType t in Enum.GetValues<SyncType>())
        {
            Assert.Equal(t.ToString(), t.Name());
            Assert.Equal(t, SyncTypes.Parse(t.ToString()));
        }
        Assert.Null(SyncTypes.Parse("procready"));
    }

    [Theory]
    [InlineData("{\"type\":\"procBogus\"}", "unknown sync message type procBogus")]
    [InlineData("{\"message\":\"x\"}", "sync message without a type")]
    [InlineData("not json", "malformed sync message not json")]
    public void DecodeRejectsBadPackets(string packet, string error)
    {
        var ex = Assert.ThrowsAny<ContainerException>(() => SyncMessage.Decode(System.Text.Encoding.UTF8.GetBytes(packet)));
        Assert.StartsWith(error, ex.Message);
    }

    [Fact]
    public void InitSequenceAcceptsRuncOrder()
    {
        var s = new SyncSequence(setns: false);
        s.Accept(SyncType.procHooks);
        s.Accept(SyncType.procSeccomp);
        s.Accept(SyncType.procReady);
        s.AcceptClose();
        Assert.Equal(SyncSequence.Stage.Done, s.Current);
    }

    [Fact]
    public void SetnsSequenceHasNoHooks()
    {
        var s = new SyncSequence(setns: true);
        var ex = Assert.Throws<ContainerException>(() => s.Accept(SyncType.procHooks));
        Assert.Equal("unexpected sync message procHooks in state WaitReady", ex.Message);
        s.Accept(SyncType.procReady);
        s.AcceptClose();
    }

    [Theory]
    [InlineData(SyncType.procReady)]
    [InlineData(SyncType.procRun)]
    [InlineData(SyncType.procHooksDone)]
    public void InitSequenceRejectsOutOfOrder(SyncType first)
    {
        var s = new SyncSequence(setns: false);
        var ex = Assert.Throws<ContainerException>(() => s.Accept(first));
        Assert.Contains($"unexpected sync message {first}", ex.Message);
    }

    [Fact]
    public void CloseBeforeReadyIsAnError()
    {
        var s = new SyncSequence(setns: false);
        s.Accept(SyncType.procHooks);
        var ex = Assert.Throws<ContainerException>(s.AcceptClose);
        Assert.Contains("before it was ready", ex.Message);
    }

    [Fact]
    public void RollbackRunsInReverseAndSurvivesFailures()
    {
        var order = new List<string>();
        using (var rb = new Rollback())
        {
            rb.Add("a", () => order.Add("a"));
            rb.Add("b", () => throw new InvalidOperationException("b failed"));
            rb.Add("c", () => order.Add("c"));
        }
        Assert.Equal(["c", "a"], order);
    }

    [Fact]
    public void CommittedRollbackDoesNothing()
    {
        bool ran = false;
        using (var rb = new Rollback())
        {
            rb.Add("x", () => ran = true);
            rb.Commit();
        }
        Assert.False(ran);
    }
}
