using System.Text;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.LibContainer;

public class StatesTests
{
    private static readonly State s_state = new()
    {
        OciVersion = "1.2.0", Id = "c1", Status = "creating", Pid = 42, Bundle = "/b",
        Annotations = new() { ["k"] = "v" },
    };

    [Fact]
    public void ToJson_IsGoMarshal()
    {
        Assert.Equal("""{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":42,"bundle":"/b","annotations":{"k":"v"}}""",
            Encoding.UTF8.GetString(States.ToJson(s_state)));
        var noPid = new State { OciVersion = "1.2.0", Id = "c1", Status = "stopped", Bundle = "/b" };
        Assert.Equal("""{"ociVersion":"1.2.0","id":"c1","status":"stopped","bundle":"/b"}""", Encoding.UTF8.GetString(States.ToJson(noPid)));
    }

    [Fact]
    public void ToJson_SortsAnnotationsAndKeepsNonAsciiText()
    {
        var s = new State
        {
            OciVersion = "1.2.0", Id = "c1", Status = "running", Pid = 1, Bundle = "/b/ü",
            Annotations = new() { ["z"] = "1", ["a"] = "\"q\"" },
        };
        Assert.Equal("""{"ociVersion":"1.2.0","id":"c1","status":"running","pid":1,"bundle":"/b/ü","annotations":{"a":"\"q\"","z":"1"}}""",
            Encoding.UTF8.GetString(States.ToJson(s)));
    }

    [Fact]
    public void Of_TakesVersionAndAnnotationsFromTheSpec()
    {
        var spec = new Spec { OciVersion = "1.0.2", Annotations = new() { ["x"] = "y" } };
        State s = States.Of(spec, "id1", "created", 7, "/bundle");
        Assert.Equal(("1.0.2", "id1", "created", 7, "/bundle"), (s.OciVersion, s.Id, s.Status, s.Pid, s.Bundle));
        Assert.Same(spec.Annotations, s.Annotations);
    }
}
