# SPDX-License-Identifier: Apache-2.0
"""The servers bench.py runs side by side: Apache (with mod_cppcgi, mod_cgid
or mod_cgi), lighttpd's mod_cgi and nginx + fcgiwrap, each on its own port
of 127.0.0.1 with the same cgi-bin."""

import os
import shutil
import subprocess
import tempfile
import time

from httpd_server import HttpdServer, free_port

EVENT_MPM = "StartServers 2\nThreadsPerChild 25\nMaxRequestWorkers 100\nMinSpareThreads 25\nMaxSpareThreads 100"
PREFORK_MPM = "StartServers 40\nMinSpareServers 40\nMaxSpareServers 100\nMaxRequestWorkers 100\nServerLimit 100"


class Apache:
    def __init__(self, name, site, mpm, module_line, extra="", cgi_dir=None, xsendfile=False, only=None):
        self.name = name
        self.only = only  # the workloads it is run on (None: all)
        self.xsendfile = xsendfile  # serves the sendfile workload
        self.srv = HttpdServer(mpm=mpm, log_level="warn" if "cppcgi" not in module_line else "warn cppcgi:warn")
        self.srv.module_lines = [module_line]
        self.srv.mpm_conf = EVENT_MPM if mpm != "prefork" else PREFORK_MPM
        self.srv.add_dir("cgi-bin", os.path.join(site, "cgi-bin"))
        cgi_dir = cgi_dir or f"{self.srv.root}/cgi-bin"
        sendfile = f'  CppCgiXSendFile On\n  CppCgiXSendFilePath "{site}/htdocs"\n' if xsendfile else ""
        self.srv.extra_conf = (f'ScriptAlias /cgi-bin/ "{cgi_dir}/"\n<Directory "{cgi_dir}">\n  Require all granted\n'
                               f'{sendfile}</Directory>\nKeepAlive On\n' + extra.format(root=self.srv.root))
        self.port = self.srv.port

    def start(self):
        self.srv.start()

    def helper_memory(self):
        """(RSS kB, PSS kB) of each mod_cppcgi helper of this server."""
        out = []
        for pid in self.srv.helper_pids():
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    fields = {line.split(":")[0]: int(line.split()[1]) for line in f if line.endswith("kB\n")}
                out.append((fields["Rss"], fields["Pss"]))
            except (OSError, KeyError, ValueError):
                pass
        return out


    def stop(self):
        self.srv.stop()
        self.srv.cleanup()


def private_site(site, prefix):
    """A new directory in /tmp, readable by the server's user, with a copy of the site's cgi-bin."""
    root = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(root, 0o755)
    shutil.copytree(os.path.join(site, "cgi-bin"), os.path.join(root, "cgi-bin"))
    return root


class Lighttpd:
    name = "lighttpd mod_cgi"

    def __init__(self, site):
        self.root = private_site(site, "bench-lighttpd-")
        os.makedirs(os.path.join(self.root, "htdocs"))
        self.port = free_port()
        user = 'server.username = "www-data"\nserver.groupname = "www-data"\n' if os.geteuid() == 0 else ""
        with open(os.path.join(self.root, "lighttpd.conf"), "w") as f:
            f.write(f'''server.document-root = "{self.root}/htdocs"
server.bind = "127.0.0.1"
server.port = {self.port}
server.modules = ("mod_alias", "mod_cgi")
server.errorlog = "{self.root}/error.log"
server.max-connections = 1024
{user}alias.url = ("/cgi-bin/" => "{self.root}/cgi-bin/")
$HTTP["url"] =~ "^/cgi-bin/" {{ cgi.assign = ("" => "") }}
''')
        self.proc = None
        log = os.path.join(self.root, "error.log")
        open(log, "w").close()
        if os.geteuid() == 0:  # lighttpd opens its log after dropping to www-data
            import pwd
            www = pwd.getpwnam("www-data")
            os.chown(log, www.pw_uid, www.pw_gid)

    def start(self):
        self.proc = subprocess.Popen(["lighttpd", "-D", "-f", os.path.join(self.root, "lighttpd.conf")])
        wait_port(self.port)


    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)
        shutil.rmtree(self.root, ignore_errors=True)


class NginxFcgiwrap:
    name = "nginx + fcgiwrap"

    def __init__(self, site):
        self.root = private_site(site, "bench-nginx-")
        self.port = free_port()
        self.sock = os.path.join(self.root, "fcgiwrap.sock")
        user = "user www-data;" if os.geteuid() == 0 else ""
        r = self.root
        with open(os.path.join(r, "nginx.conf"), "w") as f:
            f.write(f'''{user}
daemon off; master_process on; worker_processes 2; pid {r}/nginx.pid; error_log {r}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {r}/tmp-body; fastcgi_temp_path {r}/tmp-fcgi; proxy_temp_path {r}/tmp-proxy;
  uwsgi_temp_path {r}/tmp-uwsgi; scgi_temp_path {r}/tmp-scgi;
  client_max_body_size 10m;
  server {{
    listen 127.0.0.1:{self.port};
    location /cgi-bin/ {{
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME {r}$fastcgi_script_name;
      fastcgi_pass unix:{self.sock};
    }}
  }}
}}
''')
        self.procs = []

    def start(self):
        spawn = ["spawn-fcgi", "-n", "-s", self.sock, "-F", "4", "-M", "0600"]
        if os.geteuid() == 0:
            spawn += ["-u", "www-data", "-g", "www-data", "-U", "www-data", "-G", "www-data"]
        self.procs.append(subprocess.Popen(spawn + ["--", "/usr/sbin/fcgiwrap"]))
        self.procs.append(subprocess.Popen(["nginx", "-c", os.path.join(self.root, "nginx.conf")]))
        wait_port(self.port)


    def stop(self):
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def wait_port(port, timeout=15):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")
