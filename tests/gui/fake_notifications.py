"""A stand-in desktop notification service for the notification test, run by the system's
python3 with GLib's bindings (python3-gi): it owns org.freedesktop.Notifications on the bus at
argv[1], answers Notify with the id 7, prints the call, and 0.3 s later sends ActionInvoked(7,
"default"), as a desktop does when its note is clicked. Not imported by the tests: run as a file.
"""
import sys

from gi.repository import Gio, GLib

XML = """<node><interface name='org.freedesktop.Notifications'>
<method name='Notify'>
  <arg type='s' direction='in'/><arg type='u' direction='in'/><arg type='s' direction='in'/>
  <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='as' direction='in'/>
  <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/><arg type='u' direction='out'/>
</method>
<signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>
</interface></node>"""
PATH, NAME = "/org/freedesktop/Notifications", "org.freedesktop.Notifications"

flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
bus = Gio.DBusConnection.new_for_address_sync(sys.argv[1], flags, None, None)
interface = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]


def on_call(conn, sender, path, iface, method, params, invocation):
    print("called", method, params.unpack()[3], flush=True)
    invocation.return_value(GLib.Variant("(u)", (7,)))

    def click():
        conn.emit_signal(None, PATH, NAME, "ActionInvoked", GLib.Variant("(us)", (7, "default")))
        return False
    GLib.timeout_add(300, click)


bus.register_object(PATH, interface, on_call, None, None)
reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                      "RequestName", GLib.Variant("(su)", (NAME, 4)), None, 0, -1, None)
print("ready", reply.unpack()[0], flush=True)
GLib.MainLoop().run()
