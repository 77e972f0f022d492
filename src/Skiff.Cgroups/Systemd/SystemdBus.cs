using Skiff.Linux.Logging;
using Tmds.DBus.Protocol;

namespace Skiff.Cgroups.Systemd;

/// <summary>
/// The few org.freedesktop.systemd1.Manager calls the driver needs, over the system bus (as runc's go-systemd
/// connection: DBUS_SYSTEM_BUS_ADDRESS, else unix:path=/run/dbus/system_bus_socket). Synchronous: each call waits
/// for its reply on the calling thread (the runtime has no async code).
/// </summary>
internal sealed class SystemdBus : IDisposable
{
    private const string Service = "org.freedesktop.systemd1";
    private const string ManagerPath = "/org/freedesktop/systemd1";
    private const string ManagerInterface = "org.freedesktop.systemd1.Manager";
    public const string DefaultAddress = "unix:path=/run/dbus/system_bus_socket";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <summary>Writes a method call's body; by ref, since MessageWriter is a struct (a copy would write nowhere).</summary>
    private delegate void BodyWriter(ref MessageWriter w);

    private readonly DBusConnection _conn;

    private SystemdBus(DBusConnection conn) => _conn = conn;

    /// <summary>The bus address used: DBUS_SYSTEM_BUS_ADDRESS or the well-known socket.</summary>
    public static string Address =>
        Environment.GetEnvironmentVariable("DBUS_SYSTEM_BUS_ADDRESS") is { Length: > 0 } a ? a : DefaultAddress;

    public static SystemdBus Connect(string? address = null)
    {
        address ??= Address;
        var conn = new DBusConnection(address);
        try
        {
            Wait(conn.ConnectAsync().AsTask());
            return new SystemdBus(conn);
        }
        catch (Exception ex)
        {
            conn.Dispose();
            throw new CgroupException($"cannot connect to systemd over D-Bus at {address}", Unwrap(ex));
        }
    }

    public void Dispose() => _conn.Dispose();

    /// <summary>StartTransientUnit(name, "replace", properties, no aux units); returns the job path.</summary>
    public string StartTransientUnit(string unit, IReadOnlyList<UnitProperty> props) =>
        Call("StartTransientUnit", (ref MessageWriter w) =>
        {
            w.WriteString(unit);
            w.WriteString("replace");
            WriteProperties(ref w, props);
            ArrayStart aux = w.WriteArrayStart(DBusType.Struct); // a(sa(sv)): none
            w.WriteArrayEnd(aux);
        }, "ssa(sv)a(sa(sv))", (m, _) => m.GetBodyReader().ReadObjectPathAsString());

    /// <summary>StopUnit(name, "replace"); returns the job path.</summary>
    public string StopUnit(string unit) =>
        Call("StopUnit", (ref MessageWriter w) => { w.WriteString(unit); w.WriteString("replace"); }, "ss",
            (m, _) => m.GetBodyReader().ReadObjectPathAsString());

    public void ResetFailedUnit(string unit) =>
        Call("ResetFailedUnit", (ref MessageWriter w) => w.WriteString(unit), "s", (_, _) => 0);

    /// <summary>SetUnitProperties(name, runtime=true, properties).</summary>
    public void SetUnitProperties(string unit, IReadOnlyList<UnitProperty> props) =>
        Call("SetUnitProperties", (ref MessageWriter w) => { w.WriteString(unit); w.WriteBool(true); WriteProperties(ref w, props); }, "sba(sv)",
            (_, _) => 0);

    /// <summary>The unit's object path, or null when systemd has no such unit loaded (NoSuchUnit).</summary>
    public string? GetUnit(string unit)
    {
        try
        {
            return Call("GetUnit", (ref MessageWriter w) => w.WriteString(unit), "s", (m, _) => m.GetBodyReader().ReadObjectPathAsString());
        }
        catch (DBusErrorReplyException ex) when (ex.ErrorName == "org.freedesktop.systemd1.NoSuchUnit")
        {
            return null;
        }
    }

    /// <summary>A string property of a unit (org.freedesktop.systemd1.Unit, or .Scope/.Slice), e.g. ActiveState.</summary>
    public string GetUnitString(string unitPath, string iface, string property) =>
        CallOn(unitPath, "org.freedesktop.DBus.Properties", "Get", (ref MessageWriter w) => { w.WriteString(iface); w.WriteString(property); }, "ss",
            (m, _) => m.GetBodyReader().ReadVariantValue().GetString());

    /// <summary>ActiveState of a unit ("active", "failed", "inactive", …), or null when it is not loaded.</summary>
    public string? ActiveState(string unit)
    {
        string? path = GetUnit(unit);
        if (path is null) return null;
        try
        {
            return GetUnitString(path, "org.freedesktop.systemd1.Unit", "ActiveState");
        }
        catch (DBusErrorReplyException ex) when (ex.ErrorName is "org.freedesktop.DBus.Error.UnknownObject" or "org.freedesktop.systemd1.NoSuchUnit")
        {
            return null; // unloaded between the two calls
        }
    }

    private T Call<T>(string member, BodyWriter body, string signature, MessageValueReader<T> reader) =>
        CallOn(ManagerPath, ManagerInterface, member, body, signature, reader);

    private T CallOn<T>(string path, string iface, string member, BodyWriter body, string signature,
        MessageValueReader<T> reader)
    {
        MessageBuffer msg;
        MessageWriter w = _conn.GetMessageWriter();
        try
        {
            w.WriteMethodCallHeader(destination: Service, path: path, @interface: iface, member: member, signature: signature);
            body(ref w);
            msg = w.CreateMessage();
        }
        finally
        {
            w.Dispose();
        }
        if (Log.IsDebug) Log.Debug($"systemd: {member} via D-Bus");
        try
        {
            return Wait(_conn.CallMethodAsync(msg, reader));
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }

    private static T Wait<T>(Task<T> task)
    {
        if (!task.Wait(s_timeout)) throw new TimeoutException("no reply from systemd over D-Bus in 30s");
        return task.Result;
    }

    private static void Wait(Task task)
    {
        if (!task.Wait(s_timeout)) throw new TimeoutException("no D-Bus connection in 30s");
    }

    private static Exception Unwrap(Exception ex) => ex is AggregateException { InnerException: { } inner } ? inner : ex;

    /// <summary>a(sv): each property as (name, variant of its signature).</summary>
    internal static void WriteProperties(ref MessageWriter w, IReadOnlyList<UnitProperty> props)
    {
        ArrayStart arr = w.WriteArrayStart(DBusType.Struct);
        foreach (UnitProperty p in props)
        {
            w.WriteStructureStart();
            w.WriteString(p.Name);
            w.WriteSignature(p.Signature);
            switch (p.Value)
            {
                case bool b: w.WriteBool(b); break;
                case ulong t: w.WriteUInt64(t); break;
                case string s: w.WriteString(s); break;
                case uint[] au: w.WriteArray(au); break;
                case byte[] ay: w.WriteArray(ay); break;
                case string[] @as: w.WriteArray(@as); break;
                case (string, string)[] pairs:
                    ArrayStart inner = w.WriteArrayStart(DBusType.Struct);
                    foreach ((string a, string b2) in pairs)
                    {
                        w.WriteStructureStart();
                        w.WriteString(a);
                        w.WriteString(b2);
                    }
                    w.WriteArrayEnd(inner);
                    break;
                default: throw new ArgumentException($"unit property {p.Name}: unsupported value type {p.Value.GetType().Name}");
            }
        }
        w.WriteArrayEnd(arr);
    }
}
