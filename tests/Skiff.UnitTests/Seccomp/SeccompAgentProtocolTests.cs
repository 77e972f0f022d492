using System.Text;
using Skiff.LibContainer.Seccomp;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Seccomp;

public class SeccompAgentProtocolTests
{
    [Fact]
    public void ContainerProcessStateIsGosJson()
    {
        var state = new State
        {
            OciVersion = "1.2.0", Id = "c1", Status = "creating", Pid = 4242, Bundle = "/b",
            Annotations = new() { ["z"] = "1", ["a"] = "2" },
        };
        string json = Encoding.UTF8.GetString(SeccompAgentProtocol.ContainerProcessState(
            "1.2.0", [SeccompAgentProtocol.SeccompFdName], 4242, "meta data", state));
        Assert.Equal("{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":4242,\"metadata\":\"meta data\"," +
            "\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":4242,\"bundle\":\"/b\"," +
            "\"annotations\":{\"a\":\"2\",\"z\":\"1\"}}}", json);
    }

    [Fact]
    public void EmptyFieldsAreOmittedAsGosOmitempty()
    {
        var state = new State { OciVersion = "1.2.0", Id = "c1", Status = "creating", Bundle = "/b" };
        string json = Encoding.UTF8.GetString(SeccompAgentProtocol.ContainerProcessState("1.2.0", ["seccompFd"], 7, null, state));
        Assert.Equal("{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":7," +
            "\"state\":{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"bundle\":\"/b\"}}", json);
    }
}
