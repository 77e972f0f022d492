using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Wire;
using Skiff.RuntimeSpec;
using Skiff.RuntimeSpec.GoJson;
using Skiff.RuntimeSpec.Json;
using Xunit;

namespace Skiff.UnitTests.Json;

/// <summary>
/// The generated shape tables (tools/gen-json-shapes.py) against the classes themselves, and what they write against
/// what System.Text.Json's serializer writes for the same objects (reflection is fine here, in the test process).
/// </summary>
public sealed class JsonShapesTests
{
    public static TheoryData<string> Shapes()
    {
        var d = new TheoryData<string>();
        foreach (var (name, _) in AllShapes()) d.Add(name);
        return d;
    }

    private static IEnumerable<(string Name, ObjectShape Shape)> AllShapes()
    {
        foreach (Type holder in new[] { typeof(SpecShapes), typeof(SkiffShapes) })
            foreach (FieldInfo f in holder.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
                yield return (holder.Name + "." + f.Name, (ObjectShape)f.GetValue(null)!);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryPropertyIsInTheShapeUnderItsJsonName(string name)
    {
        ObjectShape shape = AllShapes().Single(s => s.Name == name).Shape;
        Type t = shape.Create().GetType();
        string[] expected = t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .ToArray();
        Assert.Equal(expected, shape.Fields.Select(f => f.Name).ToArray());
    }

    private static readonly JsonSerializerOptions Stj = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    private static Spec RichSpec()
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        spec.Hostname = "h\u00e9<&>'\"";
        spec.Annotations = new() { ["a"] = "1", ["b"] = "\u2603" };
        spec.Process!.OomScoreAdj = -17;
        spec.Process.Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = ulong.MaxValue, Soft = 1024 }];
        spec.Process.User.AdditionalGids = [1, 2];
        spec.Hooks = new Skiff.RuntimeSpec.Hooks { Prestart = [new Hook { Path = "/bin/true", Args = ["true"], Timeout = 5 }] };
        spec.Linux!.Resources = new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 1 << 30, Swap = -1, DisableOomKiller = true },
            Cpu = new LinuxCpu { Shares = 512, Quota = 10000, Cpus = "0" },
            Pids = new LinuxPids { Limit = 10 },
            Unified = new() { ["memory.high"] = "max" },
        };
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Linux.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" };
        return spec;
    }

    [Fact]
    public void SpecIsWrittenAsTheSerializerWroteIt()
    {
        Spec spec = RichSpec();
        string expected = JsonSerializer.Serialize(spec, Stj);
        Assert.Equal(expected, Encoding.UTF8.GetString(JsonShapes.ToUtf8(spec, SpecShapes.Spec)));
    }

    [Fact]
    public void AShapesFieldsAreMadeOnceAndOnlyWhenFirstAskedFor()
    {
        int made = 0;
        var shape = new ObjectShape("specs.Root", () => new Root(), () =>
        {
            made++;
            return [new JsonField("path", JsonShape.String, false, o => ((Root)o).Path, (o, v) => ((Root)o).Path = (string)v!)];
        });
        Assert.Equal(0, made);
        Assert.Equal("{\"path\":\"/r\"}", Encoding.UTF8.GetString(JsonShapes.ToUtf8(new Root { Path = "/r" }, shape)));
        Assert.Equal("/r", JsonShapes.Read<Root>("{\"path\":\"/r\"}"u8.ToArray(), shape)!.Path);
        Assert.Same(shape.Fields, shape.Fields);
        Assert.Equal(1, made);
    }

    [Fact]
    public void FieldsAreFoundInAnyOrderAndUnknownOnesSkipped()
    {
        byte[] json = """{"readonly":true,"x":{"path":"no"},"path":"/r","readonly":false,"path":"/s"}"""u8.ToArray();
        Root r = JsonShapes.Read<Root>(json, SpecShapes.Root)!;
        Assert.Equal("/s", r.Path);
        Assert.False(r.Readonly);
    }

    [Fact]
    public void StateJsonWrittenIntoOneBufferTwiceIsTheSecondDocumentOnly()
    {
        var buf = new System.Buffers.ArrayBufferWriter<byte>(16);
        var state = new ContainerState { Id = "a-long-first-id", Bundle = "/b", Config = RichSpec() };
        string first = Encoding.UTF8.GetString(JsonShapes.ToUtf8(state, SkiffShapes.ContainerState, buf));
        state.Id = "b";
        state.Config = new Spec();
        string second = Encoding.UTF8.GetString(JsonShapes.ToUtf8(state, SkiffShapes.ContainerState, buf));
        Assert.Equal(JsonSerializer.Serialize(state, Stj), second);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void StateJsonIsWrittenAsTheSerializerWroteItAndReadsBack()
    {
        var state = new ContainerState
        {
            Id = "c1",
            Bundle = "/b",
            Rootfs = "/b/rootfs",
            InitPid = 42,
            InitStart = 123456789012,
            Created = new DateTimeOffset(2026, 12, 6, 8, 0, 0, 123, TimeSpan.Zero).AddTicks(4567),
            CgroupPaths = new() { ["memory"] = "/sys/fs/cgroup/memory/c1" },
            NamespacePaths = new() { ["NEWNET"] = "/proc/42/ns/net" },
            ExternalDescriptors = ["pipe:[1]", "/dev/null"],
            Creating = true,
            Config = RichSpec(),
        };
        byte[] ours = JsonShapes.ToUtf8(state, SkiffShapes.ContainerState);
        Assert.Equal(JsonSerializer.Serialize(state, Stj), Encoding.UTF8.GetString(ours));

        ContainerState back = JsonShapes.Read<ContainerState>(ours, SkiffShapes.ContainerState)!;
        Assert.Equal(JsonSerializer.Serialize(state, Stj), JsonSerializer.Serialize(back, Stj));
        Assert.Equal(state.Created, back.Created);
    }

    [Fact]
    public void InitConfigRoundTrips()
    {
        var cfg = new InitConfig
        {
            ContainerId = "c1",
            Spec = RichSpec(),
            Process = RichSpec().Process!,
            Namespaces = new NamespaceSet([new LinuxNamespace { Type = "pid" }, new LinuxNamespace { Type = "network", Path = "/proc/1/ns/net" }]),
            CgroupPaths = new() { ["pids"] = "/x" },
            PreserveFds = 2,
        };
        byte[] json = JsonShapes.ToUtf8(cfg, SkiffShapes.InitConfig);
        InitConfig back = JsonShapes.Read<InitConfig>(json, SkiffShapes.InitConfig)!;
        Assert.Equal(JsonSerializer.Serialize(cfg, Stj), JsonSerializer.Serialize(back, Stj));
    }

    [Fact]
    public void ReadingSkipsUnknownFieldsAndRejectsWrongKinds()
    {
        var st = JsonShapes.Read<ContainerState>("{\"id\":\"x\",\"future\":{\"a\":[1,2]},\"init_process_pid\":7}"u8, SkiffShapes.ContainerState)!;
        Assert.Equal("x", st.Id);
        Assert.Equal(7, st.InitPid);
        Assert.Throws<JsonException>(() => JsonShapes.Read<ContainerState>("{\"id\":5}"u8, SkiffShapes.ContainerState));
        // names match exactly, escaped or not (documents skiff wrote itself)
        Assert.Equal("y", JsonShapes.Read<ContainerState>("{\"\\u0069d\":\"y\",\"ID\":\"z\"}"u8, SkiffShapes.ContainerState)!.Id);
        Assert.ThrowsAny<JsonException>(() => JsonShapes.Read<ContainerState>("{\"id\":\"x\""u8, SkiffShapes.ContainerState));
    }

    [Theory]
    [InlineData("", "invalid JSON at byte 0")]
    [InlineData("{\"id\":\"x\"", "invalid JSON at byte 9")] // ends inside the object
    [InlineData("{\"id\":\"x\",}", "invalid JSON at byte 10")] // the '}' after a comma
    [InlineData("{\"init_process_pid\":99999999999999}", "cannot read number 99999999999999 as int at byte 20")]
    [InlineData("{\"init_process_pid\":\"7\"}", "cannot read string as int at byte 20")]
    [InlineData("{\"created\":\"yesterday\"}", "cannot read string as time.Time at byte 11")]
    public void ADamagedDocumentIsRefusedInWordsNotResourceKeys(string json, string message)
    {
        var e = Assert.ThrowsAny<JsonException>(() => JsonShapes.Read<ContainerState>(Encoding.UTF8.GetBytes(json), SkiffShapes.ContainerState));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void GoDecodingMergesARepeatedStructAndLeavesNonPointerFieldsAloneOnNull()
    {
        Spec s = GoJsonDecoder.Decode<Spec>(
            "{\"process\":{\"cwd\":\"/a\",\"args\":[\"x\"]},\"process\":{\"terminal\":true,\"cwd\":null,\"args\":[\"y\"]}}"u8,
            SpecShapes.Spec)!;
        Assert.True(s.Process!.Terminal);
        Assert.Equal("/a", s.Process.Cwd); // Go: null into a string is a no-op
        Assert.Equal(["y"], s.Process.Args!); // slices are replaced
    }

    [Fact]
    public void DefaultSpecFileIsTheSerializersIndentedOutput()
    {
        Spec spec = DefaultSpec.Example(cgroup2Unified: false);
        var options = new JsonSerializerOptions(Stj)
        {
            WriteIndented = true,
            IndentCharacter = '\t',
            IndentSize = 1,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        Assert.Equal(JsonSerializer.Serialize(spec, options), Encoding.UTF8.GetString(DefaultSpec.Serialize(spec)));
    }
}
