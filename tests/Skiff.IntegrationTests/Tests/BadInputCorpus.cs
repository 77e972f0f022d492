using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// The bad-input corpus: malformed or invalid config.json documents, each with the fragment its one-line error must
/// contain. Built from a valid base config (busybox `true`) by text edits (syntax) or JSON edits (types, rules).
/// <see cref="Case.Runc"/> marks the cases where Debian's runc 1.1.5 gives the same error (the same test then runs
/// against it); the others are refused by skiff where runc 1.1 fails later, elsewhere or not at all.
/// </summary>
public static class BadInputCorpus
{
    /// <summary>One case: <paramref name="Make"/> turns the base config text into the bad document.</summary>
    public sealed record Case(string Name, Func<string, byte[]> Make, string Fragment, bool Runc)
    {
        public override string ToString() => Name;
    }

    private static Case Raw(string name, string text, string fragment, bool runc = true) =>
        new(name, _ => Encoding.UTF8.GetBytes(text), fragment, runc);

    private static Case Bytes(string name, byte[] bytes, string fragment, bool runc = true) =>
        new(name, _ => bytes, fragment, runc);

    private static Case Text(string name, Func<string, string> edit, string fragment, bool runc = true) =>
        new(name, b => Encoding.UTF8.GetBytes(edit(b)), fragment, runc);

    /// <summary>An edit of the parsed base config; <paramref name="edit"/> gets the root object.</summary>
    private static Case Json(string name, Action<JsonObject> edit, string fragment, bool runc = true) =>
        new(name, b =>
        {
            var o = JsonNode.Parse(b)!.AsObject();
            edit(o);
            return Encoding.UTF8.GetBytes(o.ToJsonString());
        }, fragment, runc);

    private static JsonObject P(JsonObject o) => o["process"]!.AsObject();

    private static JsonObject L(JsonObject o) => o["linux"]!.AsObject();

    private static JsonObject Res(JsonObject o) => (L(o)["resources"] ??= new JsonObject()).AsObject();

    /// <summary>Sets process.<paramref name="field"/> from raw JSON.</summary>
    private static Case ProcessField(string field, string json, string fragment, bool runc = true) =>
        Json($"process.{field}={json}", o => P(o)[field] = JsonNode.Parse(json), fragment, runc);

    public static IReadOnlyList<Case> All { get; } = Build();

    private static List<Case> Build()
    {
        var c = new List<Case>
        {
            // --- syntax: Go's scanner, with its messages
            Raw("empty", "", "EOF"),
            Raw("blank", " \n\t ", "EOF"),
            Raw("unclosed-object", "{", "unexpected EOF"),
            Raw("unclosed-string", "{\"ociVersion\": \"1.0", "unexpected EOF"),
            Raw("unclosed-array", "{\"mounts\": [", "unexpected EOF"),
            Raw("trailing-comma-object", "{\"ociVersion\": \"1.0.2\",}", "invalid character '}' looking for beginning of object key string"),
            Raw("trailing-comma-array", "{\"mounts\": [{},]}", "invalid character ']' looking for beginning of value"),
            Raw("line-comment", "{\"ociVersion\": \"1.0.2\" // comment\n}", "invalid character '/' after object key:value pair"),
            Raw("block-comment-first", "/* c */ {}", "invalid character '/' looking for beginning of value"),
            Raw("comment-before-key", "{ // c\n\"ociVersion\": \"1.0.2\"}", "invalid character '/' looking for beginning of object key string"),
            Raw("single-quoted-key", "{'ociVersion': 1}", "invalid character '\\'' looking for beginning of object key string"),
            Raw("unquoted-key", "{ociVersion: 1}", "invalid character 'o' looking for beginning of object key string"),
            Raw("missing-colon", "{\"ociVersion\" \"1\"}", "invalid character '\"' after object key"),
            Raw("missing-comma", "{\"a\": 1 \"b\": 2}", "invalid character '\"' after object key:value pair"),
            Raw("missing-comma-array", "{\"a\": [1 2]}", "invalid character '2' after array element"),
            Raw("bad-true", "{\"a\": tru}", "invalid character '}' in literal true (expecting 'e')"),
            Raw("bad-false", "{\"a\": fals }", "invalid character ' ' in literal false (expecting 'e')"),
            Raw("bad-null", "{\"a\": nul}", "invalid character '}' in literal null (expecting 'l')"),
            Raw("capital-true", "{\"a\": True}", "invalid character 'T' looking for beginning of value"),
            Raw("nan", "{\"a\": NaN}", "invalid character 'N' looking for beginning of value"),
            Raw("infinity", "{\"a\": -Infinity}", "invalid character 'I' in numeric literal"),
            Raw("hex-number", "{\"a\": 0x10}", "invalid character 'x' after object key:value pair"),
            Raw("leading-zero", "{\"a\": 01}", "invalid character '1' after object key:value pair"),
            Raw("plus-number", "{\"a\": +1}", "invalid character '+' looking for beginning of value"),
            Raw("dot-number", "{\"a\": .5}", "invalid character '.' looking for beginning of value"),
            Raw("number-dot", "{\"a\": 1.}", "invalid character '}' after decimal point in numeric literal"),
            Raw("number-exp", "{\"a\": 1e}", "invalid character '}' in exponent of numeric literal"),
            Raw("minus-alone", "{\"a\": -}", "invalid character '}' in numeric literal"),
            Raw("bad-escape", "{\"a\": \"\\x41\"}", "invalid character 'x' in string escape code"),
            Raw("bad-unicode-escape", "{\"a\": \"\\u12g4\"}", "invalid character 'g' in \\u hexadecimal character escape"),
            Raw("raw-tab-in-string", "{\"a\": \"x\ty\"}", "invalid character '\\t' in string literal"),
            Raw("raw-newline-in-string", "{\"a\": \"x\ny\"}", "invalid character '\\n' in string literal"),
            Raw("raw-ctrl-in-string", "{\"a\": \"x\u0001y\"}", "invalid character '\\x01' in string literal"),
            Raw("close-first", "}", "invalid character '}' looking for beginning of value"),
            Raw("bracket-in-object", "{\"a\": 1]", "invalid character ']' after object key:value pair"),
            Raw("brace-in-array", "{\"a\": [1}", "invalid character '}' after array element"),
            Raw("colon-in-array", "{\"a\": [1: 2]}", "invalid character ':' after array element"),
            Raw("double-comma", "{\"a\": 1,, \"b\": 2}", "invalid character ',' looking for beginning of object key string"),
            Raw("empty-value", "{\"a\": }", "invalid character '}' looking for beginning of value"),
            Raw("nested-unclosed", "{\"linux\": {\"resources\": {\"memory\": {", "unexpected EOF"),
            Bytes("utf8-bom", [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'], "invalid character 'ï' looking for beginning of value"),
            Raw("too-deep", "{\"x\": " + new string('[', 10001) + new string(']', 10001) + "}", "exceeded max depth"),

            // --- types: Go's UnmarshalTypeError, naming the struct, the field path and the type
            Raw("top-array", "[]", "json: cannot unmarshal array into Go value of type specs.Spec"),
            Raw("top-string", "\"config\"", "json: cannot unmarshal string into Go value of type specs.Spec"),
            Raw("top-number", "42", "json: cannot unmarshal number into Go value of type specs.Spec"),
            Raw("top-bool", "true", "json: cannot unmarshal bool into Go value of type specs.Spec"),
            Json("ociVersion-number", o => o["ociVersion"] = 1, "json: cannot unmarshal number into Go struct field Spec.ociVersion of type string"),
            Json("hostname-number", o => o["hostname"] = 5, "json: cannot unmarshal number into Go struct field Spec.hostname of type string"),
            Json("hostname-array", o => o["hostname"] = new JsonArray(), "json: cannot unmarshal array into Go struct field Spec.hostname of type string"),
            Json("process-string", o => o["process"] = "x", "json: cannot unmarshal string into Go struct field Spec.process of type specs.Process"),
            Json("root-string", o => o["root"] = "/", "json: cannot unmarshal string into Go struct field Spec.root of type specs.Root"),
            Json("root-path-bool", o => o["root"]!["path"] = true, "json: cannot unmarshal bool into Go struct field Root.root.path of type string"),
            Json("mounts-object", o => o["mounts"] = new JsonObject(), "json: cannot unmarshal object into Go struct field Spec.mounts of type []specs.Mount"),
            Json("mounts-number-item", o => o["mounts"] = new JsonArray(1), "json: cannot unmarshal number into Go struct field Spec.mounts of type specs.Mount"),
            Json("mount-options-string", o => o["mounts"]![0]!["options"] = "ro", "json: cannot unmarshal string into Go struct field Mount.mounts.options of type []string"),
            Json("annotations-number-value", o => o["annotations"] = new JsonObject { ["a"] = 1 }, "json: cannot unmarshal number into Go struct field Spec.annotations of type string"),
            Json("annotations-array", o => o["annotations"] = new JsonArray(), "json: cannot unmarshal array into Go struct field Spec.annotations of type map[string]string"),
            ProcessField("args", "\"sh\"", "json: cannot unmarshal string into Go struct field Process.process.args of type []string"),
            ProcessField("args", "[1]", "json: cannot unmarshal number into Go struct field Process.process.args of type string"),
            ProcessField("env", "{\"A\":\"1\"}", "json: cannot unmarshal object into Go struct field Process.process.env of type []string"),
            ProcessField("cwd", "[]", "json: cannot unmarshal array into Go struct field Process.process.cwd of type string"),
            ProcessField("terminal", "\"yes\"", "json: cannot unmarshal string into Go struct field Process.process.terminal of type bool"),
            ProcessField("noNewPrivileges", "1", "json: cannot unmarshal number into Go struct field Process.process.noNewPrivileges of type bool"),
            ProcessField("oomScoreAdj", "\"x\"", "json: cannot unmarshal string into Go struct field Process.process.oomScoreAdj of type int"),
            ProcessField("user", "0", "json: cannot unmarshal number into Go struct field Process.process.user of type specs.User"),
            ProcessField("capabilities", "[]", "json: cannot unmarshal array into Go struct field Process.process.capabilities of type specs.LinuxCapabilities"),
            ProcessField("rlimits", "{}", "json: cannot unmarshal object into Go struct field Process.process.rlimits of type []specs.POSIXRlimit"),
            Json("uid-negative", o => P(o)["user"]!["uid"] = -1, "json: cannot unmarshal number -1 into Go struct field User.process.user.uid of type uint32"),
            Json("uid-fraction", o => P(o)["user"]!["uid"] = 1.5, "json: cannot unmarshal number 1.5 into Go struct field User.process.user.uid of type uint32"),
            Json("uid-overflow", o => P(o)["user"]!["uid"] = 4294967296L, "json: cannot unmarshal number 4294967296 into Go struct field User.process.user.uid of type uint32"),
            Json("uid-string", o => P(o)["user"]!["uid"] = "0", "json: cannot unmarshal string into Go struct field User.process.user.uid of type uint32"),
            Json("gid-bool", o => P(o)["user"]!["gid"] = false, "json: cannot unmarshal bool into Go struct field User.process.user.gid of type uint32"),
            Json("additionalGids-string", o => P(o)["user"]!["additionalGids"] = "1", "json: cannot unmarshal string into Go struct field User.process.user.additionalGids of type []uint32"),
            Json("rlimit-hard-exp", o => P(o)["rlimits"]![0]!["hard"] = JsonNode.Parse("1e3"), "json: cannot unmarshal number 1e3 into Go struct field POSIXRlimit.process.rlimits.hard of type uint64"),
            Json("rlimit-soft-negative", o => P(o)["rlimits"]![0]!["soft"] = -1, "json: cannot unmarshal number -1 into Go struct field POSIXRlimit.process.rlimits.soft of type uint64"),
            Json("capability-bounding-string", o => P(o)["capabilities"]!["bounding"] = "CAP_KILL", "json: cannot unmarshal string into Go struct field LinuxCapabilities.process.capabilities.bounding of type []string"),
            Json("hooks-prestart-object", o => o["hooks"] = new JsonObject { ["prestart"] = new JsonObject() }, "json: cannot unmarshal object into Go struct field Hooks.hooks.prestart of type []specs.Hook"),
            Json("hook-timeout-string", o => o["hooks"] = JsonNode.Parse("{\"prestart\":[{\"path\":\"/bin/true\",\"timeout\":\"5\"}]}"), "json: cannot unmarshal string into Go struct field Hook.hooks.prestart.timeout of type int"),
            Json("linux-array", o => o["linux"] = new JsonArray(), "json: cannot unmarshal array into Go struct field Spec.linux of type specs.Linux"),
            Json("namespaces-strings", o => L(o)["namespaces"] = new JsonArray("pid"), "json: cannot unmarshal string into Go struct field Linux.linux.namespaces of type specs.LinuxNamespace"),
            Json("namespace-type-number", o => L(o)["namespaces"]![0]!["type"] = 1, "json: cannot unmarshal number into Go struct field LinuxNamespace.linux.namespaces.type of type"),
            Json("maskedPaths-string", o => L(o)["maskedPaths"] = "/proc/kcore", "json: cannot unmarshal string into Go struct field Linux.linux.maskedPaths of type []string"),
            Json("cgroupsPath-number", o => L(o)["cgroupsPath"] = 1, "json: cannot unmarshal number into Go struct field Linux.linux.cgroupsPath of type string"),
            Json("sysctl-bool-value", o => L(o)["sysctl"] = new JsonObject { ["kernel.msgmax"] = true }, "json: cannot unmarshal bool into Go struct field Linux.linux.sysctl of type string"),
            Json("memory-limit-string", o => Res(o)["memory"] = new JsonObject { ["limit"] = "1" }, "json: cannot unmarshal string into Go struct field LinuxMemory.linux.resources.memory.limit of type int64"),
            Json("memory-limit-fraction", o => Res(o)["memory"] = new JsonObject { ["limit"] = 1.5 }, "json: cannot unmarshal number 1.5 into Go struct field LinuxMemory.linux.resources.memory.limit of type int64"),
            Json("pids-limit-bool", o => Res(o)["pids"] = new JsonObject { ["limit"] = true }, "json: cannot unmarshal bool into Go struct field LinuxPids.linux.resources.pids.limit of type int64"),
            Json("cpu-shares-negative", o => Res(o)["cpu"] = new JsonObject { ["shares"] = -5 }, "json: cannot unmarshal number -5 into Go struct field LinuxCPU.linux.resources.cpu.shares of type uint64"),
            Json("uidMappings-containerID-string", o => L(o)["uidMappings"] = JsonNode.Parse("[{\"containerID\":\"x\",\"hostID\":0,\"size\":1}]"), "json: cannot unmarshal string into Go struct field LinuxIDMapping.linux.uidMappings.containerID of type uint32"),
            Json("devices-major-string", o => L(o)["devices"] = JsonNode.Parse("[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":\"1\",\"minor\":3}]"), "json: cannot unmarshal string into Go struct field LinuxDevice.linux.devices.major of type int64"),
            Json("seccomp-syscalls-object", o => L(o)["seccomp"] = JsonNode.Parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":{}}"), "json: cannot unmarshal object into Go struct field LinuxSeccomp.linux.seccomp.syscalls of type []specs.LinuxSyscall"),

            // --- process rules (runc's validateProcessSpec, prepareEnv)
            Json("no-process", o => o.Remove("process"), "process property must not be empty"),
            Json("process-null", o => o["process"] = null, "process property must not be empty"),
            ProcessField("cwd", "\"\"", "Cwd property must not be empty"),
            ProcessField("cwd", "\"relative\"", "Cwd must be an absolute path"),
            ProcessField("args", "[]", "args must not be empty"),
            ProcessField("args", "null", "args must not be empty"),
            ProcessField("env", "[\"FOO\"]", "invalid environment variable: missing '='", runc: false),
            ProcessField("env", "[\"=value\"]", "invalid environment variable: name cannot be empty", runc: false),
            ProcessField("env", "[\"A=1\",\"B\"]", "invalid environment variable: missing '='", runc: false),
            ProcessField("env", "[\"A=a\\u0000b\"]", "invalid environment variable \"A\": contains nul byte (\\x00)", runc: false),

            // --- NUL bytes in strings that reach a syscall (runc 1.1 cuts most of them at the NUL)
            ProcessField("args", "[\"echo\",\"a\\u0000b\"]", "invalid process.args[1] \"a\\x00b\": contains nul byte (\\x00)", runc: false),
            ProcessField("cwd", "\"/tmp\\u0000junk\"", "invalid process.cwd \"/tmp\\x00junk\": contains nul byte (\\x00)", runc: false),
            Json("hostname-nul", o => o["hostname"] = "a\0b", "invalid hostname \"a\\x00b\": contains nul byte (\\x00)", runc: false),
            Json("root-path-nul", o => o["root"]!["path"] = "/tmp\0x", "invalid root.path \"/tmp\\x00x\": contains nul byte (\\x00)", runc: false),
            Json("hook-path-nul", o => o["hooks"] = JsonNode.Parse("{\"prestart\":[{\"path\":\"/usr/bin/touch\\u0000junk\"}]}"), "invalid hooks.prestart[0].path \"/usr/bin/touch\\x00junk\": contains nul byte (\\x00)", runc: false),
            Json("hook-arg-nul", o => o["hooks"] = JsonNode.Parse("{\"poststart\":[{\"path\":\"/bin/true\",\"args\":[\"true\",\"x\\u0000\"]}]}"), "invalid hooks.poststart[0].args[1]", runc: false),
            Json("maskedPath-nul", o => L(o)["maskedPaths"] = new JsonArray("/proc/kcore\0x"), "invalid linux.maskedPaths[0] \"/proc/kcore\\x00x\": contains nul byte (\\x00)", runc: false),
            Json("readonlyPath-nul", o => L(o)["readonlyPaths"] = new JsonArray("/proc/sys\0"), "invalid linux.readonlyPaths[0]", runc: false),
            Json("mount-destination-nul", o => o["mounts"]![0]!["destination"] = "/proc\0x", "mount field contains null byte", runc: false),
            Json("mount-source-nul", o => o["mounts"]![0]!["source"] = "proc\0x", "mount field contains null byte", runc: false),
            Json("sysctl-nul", o => L(o)["sysctl"] = new JsonObject { ["kernel.msgmax"] = "1\u00002" }, "invalid linux.sysctl[kernel.msgmax]", runc: false),
            Json("namespace-path-nul", o => L(o)["namespaces"]![0]!["path"] = "/proc/1/ns/pid\0", "invalid linux.namespaces[pid].path", runc: false),

            // --- runc's validator
            Json("unknown-namespace", o => ((JsonArray)L(o)["namespaces"]!).Add(new JsonObject { ["type"] = "foo" }), "namespace {\"foo\" \"\"} does not exist"),
            Json("duplicate-namespace", o => ((JsonArray)L(o)["namespaces"]!).Add(new JsonObject { ["type"] = "pid" }), "duplicated ns {\"pid\" \"\"}"),
            Json("hostname-without-uts", o => { o["hostname"] = "h"; RemoveNs(o, "uts"); }, "unable to set hostname without a private UTS namespace"),
            Json("domainname-without-uts", o => { o.Remove("hostname"); o["domainname"] = "d"; RemoveNs(o, "uts"); }, "unable to set domainname without a private UTS namespace", runc: false),
            Json("sysctl-net-without-netns", o => { L(o)["sysctl"] = new JsonObject { ["net.ipv4.ip_forward"] = "1" }; RemoveNs(o, "network"); }, "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace"),
            Json("sysctl-not-namespaced", o => L(o)["sysctl"] = new JsonObject { ["vm.swappiness"] = "1" }, "sysctl \"vm.swappiness\" is not in a separate kernel namespace"),
            Json("sysctl-ipc-without-ipcns", o => { L(o)["sysctl"] = new JsonObject { ["kernel.msgmax"] = "1" }; RemoveNs(o, "ipc"); }, "sysctl \"kernel.msgmax\" is not allowed in the hosts ipc namespace"),
            Json("missing-rootfs", o => o["root"]!["path"] = "/nonexistent-rootfs", "invalid rootfs: stat /nonexistent-rootfs: no such file or directory"),
            Json("rootfs-name-too-long", o => o["root"]!["path"] = "/" + new string('a', 300), "file name too long"),
            Json("uidMappings-without-userns", o => L(o)["uidMappings"] = JsonNode.Parse("[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"), "user namespace mappings specified, but user namespace isn't enabled in the config", runc: false),
            Json("userns-without-mappings", o => ((JsonArray)L(o)["namespaces"]!).Add(new JsonObject { ["type"] = "user" }), "user namespaces enabled, but no uid mappings found", runc: false),
            Json("maskedPaths-without-mntns", o => RemoveNs(o, "mount"), "unable to restrict sys entries without a private MNT namespace"),
            Json("timeOffsets-without-timens", o => L(o)["timeOffsets"] = JsonNode.Parse("{\"monotonic\":{\"secs\":1}}"), "time namespace offsets specified, but time namespace isn't enabled in the config", runc: false),
        };
        // truncated copies of the base config: always Go's "unexpected EOF"
        foreach (int percent in new[] { 5, 15, 25, 35, 45, 55, 65, 75, 85, 95 })
            c.Add(Text($"truncated-{percent}%", b => b[..Math.Max(1, b.Length * percent / 100)], "unexpected EOF"));
        return c;
    }

    private static void RemoveNs(JsonObject o, string type)
    {
        var arr = (JsonArray)L(o)["namespaces"]!;
        foreach (var n in arr.ToList())
        {
            if (n!["type"]!.GetValue<string>() == type) arr.Remove(n);
        }
    }
}
