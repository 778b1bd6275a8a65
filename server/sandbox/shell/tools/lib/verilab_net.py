"""Verilab's network tools in the cloud shell: ping, curl, nc and ssh from a lab instance, and `aws ec2-instance-connect ssh`.

The sandbox has no network. On a lab instance (VERILAB_INSTANCE_ID is set), each tool asks Verilab's traffic simulator
whether its packets arrive and are answered, through the sandbox's own API (service `verilab`, action
Verilab.SimulateTraffic, signed with SigV4 like any AWS call), and writes the flow records the VPC's flow logs would.
In the plain cloud shell the tools say how to reach an instance. Runs with the AWS CLI's own Python, whose botocore
signs the calls (/opt/verilab/bin/verilab-net chooses it).
"""
import getopt
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

TOOLS_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
INSTANCE_RC = os.path.join(TOOLS_DIR, 'lib', 'instance.bashrc')

# The lab's instances run sshd and nothing else.
LISTENING_PORTS = {22}
SSH_BANNER = 'SSH-2.0-OpenSSH_8.7'
SSH_DENIED = 'Permission denied (publickey,gssapi-keyex,gssapi-with-mic).'
DEFAULT_USER = 'ec2-user'
# Long enough to feel like a connection that is not answered, short enough to keep a learner waiting no longer.
CONNECT_TIMEOUT = 5.0
# Linux sends an unanswered SYN again after 1, 3, 7 and 15 seconds.
SYN_RETRIES = (1.0, 3.0, 7.0, 15.0)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CALL_TIMEOUT = 20


class ToolError(Exception):
    """A failure the tool reports in one line, after its own name."""


class Stopped(Exception):
    """Ctrl-C, or the shell going away: the tool finishes what it must (the flow records) and ends."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def say(text='', err=False):
    # After SIGHUP the terminal is gone; what matters then is the records, not the output.
    stream = sys.stderr if err else sys.stdout
    try:
        stream.write(text + '\n')
        stream.flush()
    except OSError:
        pass


@contextmanager
def stoppable():
    """Stop signals raise Stopped inside the block, so sleeps and calls end at once."""
    def raise_stopped(signum, _frame):
        raise Stopped(signum)

    previous = {s: signal.signal(s, raise_stopped) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def unstoppable():
    """Stop signals wait until the block is done: the final write of flow records is not cut short."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


# ---- where we are ---------------------------------------------------------------------------------------------------

def instance():
    """The lab instance this shell stands for, or None in the plain cloud shell."""
    instance_id = os.environ.get('VERILAB_INSTANCE_ID')
    if not instance_id:
        return None
    ip = os.environ.get('VERILAB_INSTANCE_IP', '')
    return {
        'id': instance_id,
        'ip': ip,
        'host': os.environ.get('VERILAB_INSTANCE_HOST') or hostname_for(ip),
        'user': os.environ.get('VERILAB_INSTANCE_USER') or DEFAULT_USER,
    }


def hostname_for(ip):
    """EC2's hostname for a private address: ip-10-1-0-4 for 10.1.0.4."""
    return 'ip-' + ip.replace('.', '-')


def no_network(tool):
    say(f'{tool}: the cloud shell has no network of its own; {tool} works from a lab instance. Connect to one first:\n'
        f'  aws ec2-instance-connect ssh --instance-id i-0123456789abcdef0\n'
        f'or choose the instance beside the cloud shell on a step page and press Connect.', err=True)
    return 2


def is_ipv4(text):
    parts = text.split('.')
    return len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)


AWS_NAME = re.compile(r'^(ip|ec2)-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(\.[a-z0-9.-]+)?$')


def resolve(name, here):
    """An address for a name, as EC2's DNS would give it (ip-10-2-0-36.ec2.internal, ec2-54-1-2-3.compute-1.amazonaws.com)."""
    name = name.lower().rstrip('.')
    if is_ipv4(name):
        return name
    if name in ('localhost', 'localhost.localdomain'):
        return '127.0.0.1'
    if here and name in (here['host'], here['host'] + '.ec2.internal'):
        return here['ip']
    m = AWS_NAME.match(name)
    if m and (m.group(6) is None or m.group(6).endswith('.internal') or m.group(6).endswith('.amazonaws.com')):
        ip = '.'.join(m.group(2, 3, 4, 5))
        if is_ipv4(ip):
            return ip
    return None


def is_local(ip, here):
    """Loopback and the instance's own address never leave the instance: no flow log sees them."""
    return ip.startswith('127.') or ip == here['ip']


def real_command(name):
    """The command of this name further along PATH than Verilab's tools."""
    for folder in os.environ.get('PATH', '').split(':'):
        candidate = os.path.join(folder or '.', name)
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            continue
        if os.path.realpath(candidate).startswith(TOOLS_DIR + os.sep):
            continue
        return candidate
    return None


# ---- the sandbox's API ----------------------------------------------------------------------------------------------

_signing = None


def signing():
    """Credentials, region and endpoint from the standard chain, read once."""
    global _signing
    if _signing is None:
        try:
            import botocore.session
            from botocore.auth import SigV4Auth
            from botocore.awsrequest import AWSRequest
        except ImportError:
            raise ToolError("this tool needs the AWS CLI's Python (botocore), which is not available here")
        session = botocore.session.get_session()
        credentials = session.get_credentials()
        if credentials is None:
            raise ToolError('no AWS credentials in this shell (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set)')
        endpoint = os.environ.get('AWS_ENDPOINT_URL')
        if not endpoint:
            raise ToolError("AWS_ENDPOINT_URL is not set, so there is no sandbox to ask")
        region = os.environ.get('AWS_REGION') or os.environ.get('AWS_DEFAULT_REGION') or session.get_config_variable('region') or 'us-east-1'
        _signing = (credentials, region, endpoint.rstrip('/') + '/', SigV4Auth, AWSRequest)
    return _signing


def call_verilab(action, body):
    credentials, region, url, SigV4Auth, AWSRequest = signing()
    data = json.dumps(body).encode('utf-8')
    request = AWSRequest(method='POST', url=url, data=data,
                         headers={'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': f'Verilab.{action}'})
    SigV4Auth(credentials.get_frozen_credentials(), 'verilab', region).add_auth(request)
    outgoing = urllib.request.Request(url, data=data, headers=dict(request.headers.items()), method='POST')
    # A learner's http_proxy must not divert the sandbox's own endpoint.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(outgoing, timeout=CALL_TIMEOUT) as response:
            return json.loads(response.read().decode('utf-8'))
    except urllib.error.HTTPError as e:
        try:
            answer = json.loads(e.read().decode('utf-8'))
            message = answer.get('message') or answer.get('Message')
        except (ValueError, OSError, AttributeError):
            message = None
        raise ToolError(message or f'the sandbox answered HTTP {e.code}')
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, 'reason', e)
        raise ToolError(f'cannot reach the sandbox endpoint {url} ({reason})')


def simulate(here, to, protocol, times, port=None, dry_run=False):
    body = {'from': here['id'], 'to': to, 'protocol': protocol, 'times': [int(t) for t in times], 'dryRun': dry_run}
    if port is not None:
        body['port'] = port
    return call_verilab('SimulateTraffic', body)


# ---- ping ------------------------------------------------------------------------------------------------------------

PING_USAGE = '''
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -c <count>         stop after <count> replies
  -i <interval>      seconds between sending each packet
  -q                 quiet output
  -s <size>          use <size> as number of data bytes to be sent
  -w <deadline>      reply wait <deadline> in seconds
  -V                 print version and exit

(Verilab sandbox: echoes are simulated, from this instance, through your account's network.)'''


def rtt_ms(result):
    """A round trip as long as the path: inside a VPC well under a millisecond, through internet gateways about one."""
    kinds = {h.get('kind') for h in result.get('hops', [])} if result else set()
    base = 1.2 if 'internet-gateway' in kinds else 0.6 if 'peering' in kinds else 0.4
    return base * random.uniform(0.75, 1.35)


def reply_ttl(result):
    kinds = {h.get('kind') for h in result.get('hops', [])} if result else set()
    return 63 if 'internet-gateway' in kinds else 64


def fmt_rtt(ms):
    # iputils prints fewer decimals as the time grows
    if ms < 1:
        return f'{ms:.3f}'
    if ms < 10:
        return f'{ms:.2f}'
    if ms < 100:
        return f'{ms:.1f}'
    return f'{ms:.0f}'


def ping_usage_error(message):
    say(f'ping: {message}', err=True)
    say(PING_USAGE, err=True)
    return 2


def ping(argv):
    try:
        opts, args = getopt.gnu_getopt(argv, '46aAc:dDhi:I:nOqs:t:vVw:W:')
    except getopt.GetoptError as e:
        return ping_usage_error(f"invalid option -- '{e.opt}'")
    count = None
    interval = 1.0
    deadline = None
    quiet = False
    size = 56
    for flag, value in opts:
        try:
            if flag == '-c':
                count = int(value)
                if count < 1:
                    raise ValueError
            elif flag == '-i':
                interval = float(value)
                if interval < 0.2:
                    say('ping: cannot flood; minimal interval allowed for user is 200ms', err=True)
                    return 2
            elif flag == '-w':
                deadline = float(value)
            elif flag == '-s':
                size = int(value)
                if not 0 <= size <= 65507:
                    raise ValueError
            elif flag == '-q':
                quiet = True
            elif flag == '-V':
                say('ping from iputils 20210202 (simulated by Verilab)')
                return 0
            elif flag == '-h':
                say(PING_USAGE)
                return 2
        except ValueError:
            say(f"ping: invalid argument: '{value}'", err=True)
            return 2
    if not args:
        return ping_usage_error('usage error: Destination address required')
    here = instance()
    if here is None:
        return no_network('ping')
    destination = args[-1]
    ip = resolve(destination, here)
    if ip is None:
        say(f'ping: {destination}: Name or service not known', err=True)
        return 2
    label = ip if destination == ip else f'{destination} ({ip})'
    local = is_local(ip, here)
    say(f'PING {destination} ({ip}) {size}({size + 28}) bytes of data.')

    sent = []
    rtts = []
    problem = None
    stopped_by = None
    start = time.monotonic()
    last = start
    with stoppable():
        try:
            seq = 0
            while count is None or seq < count:
                if deadline is not None and time.monotonic() - start >= deadline:
                    break
                seq += 1
                last = time.monotonic()
                sent.append(time.time())
                result = None if local else simulate(here, ip, 'icmp', [sent[-1]], dry_run=True)
                replied = local or result['replied']
                if replied:
                    rtts.append(rtt_ms(result) / (10 if local else 1))
                    if not quiet:
                        say(f'{size + 8} bytes from {label}: icmp_seq={seq} ttl={64 if local else reply_ttl(result)} time={fmt_rtt(rtts[-1])} ms')
                next_at = start + seq * interval
                if count is not None and seq >= count:
                    if replied:
                        break
                    # the last echo gets a moment for a late reply, as iputils waits for one
                    next_at = time.monotonic() + min(interval, 1.0)
                if deadline is not None:
                    next_at = min(next_at, start + deadline)
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
        except Stopped as s:
            stopped_by = s.signum
        except ToolError as e:
            problem = str(e)
            # the sandbox could not decide this echo, so it does not count as sent
            sent.pop()

    # The records of every echo, with their real times, in one write: aggregated per interval as AWS delivers them.
    write_problem = None
    if sent and not local:
        with unstoppable():
            try:
                simulate(here, ip, 'icmp', sent)
            except ToolError as e:
                write_problem = str(e)
    if stopped_by == signal.SIGHUP:
        return 1 if not rtts else 0
    if problem:
        say(f'ping: {problem}', err=True)
    if stopped_by is not None:
        say()
    if sent:
        elapsed = int((last - start) * 1000)
        loss = (len(sent) - len(rtts)) * 100.0 / len(sent)
        say(f'--- {destination} ping statistics ---')
        say(f'{len(sent)} packets transmitted, {len(rtts)} received, {loss:g}% packet loss, time {elapsed}ms')
        if rtts:
            mean = sum(rtts) / len(rtts)
            mdev = math.sqrt(max(0.0, sum(r * r for r in rtts) / len(rtts) - mean * mean))
            say(f'rtt min/avg/max/mdev = {min(rtts):.3f}/{mean:.3f}/{max(rtts):.3f}/{mdev:.3f} ms')
    if write_problem and not problem:
        say(f'ping: the flow records of this ping could not be written: {write_problem}', err=True)
    if rtts:
        return 0
    return 2 if problem else 1


# ---- TCP connections: curl, nc, ssh ----------------------------------------------------------------------------------

def connect(here, ip, port, timeout):
    """
    'open', 'refused' or 'timeout', as a real connect() would end, after as long as it would take. A SYN that arrives
    and is answered meets sshd on 22 or a reset elsewhere; one that is dropped is sent again until the timeout. The
    flow records of every SYN are written once it is over, also when the tool is stopped.
    """
    if is_local(ip, here):
        return 'open' if port in LISTENING_PORTS else 'refused'
    syns = [time.time()]
    try:
        with stoppable():
            result = simulate(here, ip, 'tcp', syns, port=port, dry_run=True)
            if result['delivered'] and result['replied']:
                return 'open' if port in LISTENING_PORTS else 'refused'
            start = time.monotonic()
            for retry in SYN_RETRIES + (math.inf,):
                wake = start + min(retry, timeout)
                pause = wake - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                if retry >= timeout:
                    break
                syns.append(time.time())
            return 'timeout'
    finally:
        with unstoppable():
            try:
                simulate(here, ip, 'tcp', syns, port=port)
            except ToolError:
                pass  # the learner sees the connection's outcome; a lost record shows up in the flow log check


def positive_seconds(value):
    seconds = float(value)
    if not seconds > 0:
        raise ValueError(value)
    return seconds


CURL_VALUE_FLAGS = set('AbcCdeEFHKmoOrTuUwxXyYzQ')
CURL_VALUE_LONG = {
    'connect-timeout', 'max-time', 'output', 'header', 'data', 'data-raw', 'data-binary', 'data-urlencode', 'request',
    'user', 'user-agent', 'referer', 'write-out', 'proxy', 'upload-file', 'form', 'cookie', 'cookie-jar', 'config',
    'range', 'cert', 'key', 'cacert', 'capath', 'retry', 'retry-delay', 'retry-max-time', 'resolve', 'connect-to',
    'interface', 'limit-rate', 'max-filesize', 'speed-limit', 'speed-time', 'url', 'proto', 'proto-redir', 'oauth2-bearer',
}


def curl(argv):
    url = None
    silent = show_error = verbose = False
    timeout = CONNECT_TIMEOUT
    i = 0
    while i < len(argv):
        arg = argv[i]
        value = None
        if arg.startswith('--') and len(arg) > 2:
            name, eq, inline = arg[2:].partition('=')
            if name in CURL_VALUE_LONG:
                if eq:
                    value = inline
                elif i + 1 < len(argv):
                    i += 1
                    value = argv[i]
            if name == 'silent':
                silent = True
            elif name == 'show-error':
                show_error = True
            elif name == 'verbose':
                verbose = True
            elif name in ('connect-timeout', 'max-time') and value is not None:
                try:
                    timeout = min(timeout, positive_seconds(value))
                except ValueError:
                    say(f"curl: option --{name}: expected a proper numerical parameter", err=True)
                    return 2
            elif name == 'url' and value is not None:
                url = url or value
        elif arg.startswith('-') and len(arg) > 1:
            j = 1
            while j < len(arg):
                flag = arg[j]
                if flag in CURL_VALUE_FLAGS:
                    value = arg[j + 1:] or (argv[i + 1] if i + 1 < len(argv) else '')
                    if not arg[j + 1:]:
                        i += 1
                    if flag == 'm':
                        try:
                            timeout = min(timeout, positive_seconds(value))
                        except ValueError:
                            say('curl: option -m: expected a proper numerical parameter', err=True)
                            return 2
                    break
                silent = silent or flag == 's'
                show_error = show_error or flag == 'S'
                verbose = verbose or flag == 'v'
                j += 1
        else:
            url = url or arg
        i += 1
    if url is None:
        say("curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information", err=True)
        return 2

    def fail(code, message):
        if not silent or show_error:
            say(f'curl: ({code}) {message}', err=True)
        return code

    parts = urllib.parse.urlsplit(url if '://' in url else 'http://' + url)
    scheme = parts.scheme.lower()
    ports = {'http': 80, 'https': 443, 'ftp': 21, 'telnet': 23}
    if scheme not in ports:
        return fail(1, f'Protocol "{scheme}" not supported or disabled in libcurl')
    host = parts.hostname or ''
    try:
        port = parts.port or ports[scheme]
    except ValueError:
        return fail(3, 'URL using bad/illegal format or missing URL')
    here = instance()
    if here is None:
        real = real_command('curl')
        # the sandbox's own endpoint (the relay on 127.0.0.1:4566) is the one address the cloud shell reaches
        if real and (host in ('localhost', '::1') or host.startswith('127.')):
            os.execv(real, ['curl', *argv])
        return no_network('curl')
    ip = resolve(host, here)
    if ip is None:
        return fail(6, f'Could not resolve host: {host}')
    if verbose:
        say(f'*   Trying {ip}:{port}...', err=True)
    started = time.monotonic()
    try:
        outcome = connect(here, ip, port, timeout)
    except Stopped:
        return 130
    except ToolError as e:
        return fail(7, f'Failed to connect to {host} port {port}: {e}')
    ms = int((time.monotonic() - started) * 1000)
    if outcome == 'timeout':
        return fail(28, f'Connection timed out after {ms} milliseconds')
    if outcome == 'refused':
        return fail(7, f'Failed to connect to {host} port {port} after {ms} ms: Connection refused')
    if verbose:
        say(f'* Connected to {host} ({ip}) port {port} (#0)', err=True)
    # sshd answers with its banner, which is no HTTP
    return fail(1, 'Received HTTP/0.9 when not allowed')


def nc(argv):
    try:
        opts, args = getopt.gnu_getopt(argv, '46Cc:de:hi:klnp:s:tuvw:xz')
    except getopt.GetoptError as e:
        say(f'Ncat: {e.msg}. QUITTING.', err=True)
        return 2
    verbose = zero = False
    timeout = CONNECT_TIMEOUT
    for flag, value in opts:
        if flag == '-v':
            verbose = True
        elif flag == '-z':
            zero = True
        elif flag == '-w':
            try:
                timeout = min(timeout, positive_seconds(value.rstrip('s')))
            except ValueError:
                say(f'Ncat: Invalid -w timeout (must be greater than 0). QUITTING.', err=True)
                return 2
        elif flag == '-u':
            say('Ncat: the Verilab sandbox simulates TCP connections only; -u is not available. QUITTING.', err=True)
            return 2
        elif flag == '-l':
            say('Ncat: the Verilab sandbox cannot listen for connections (-l). QUITTING.', err=True)
            return 2
    if len(args) != 2:
        say("Ncat: You must specify a host to connect to. QUITTING." if not args else 'Ncat: Give a host and one port. QUITTING.', err=True)
        return 2
    host, port_text = args
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        say(f'Ncat: Invalid port number "{port_text}". QUITTING.', err=True)
        return 2
    port = int(port_text)
    here = instance()
    if here is None:
        return no_network('nc')
    ip = resolve(host, here)
    if ip is None:
        say(f'Ncat: Could not resolve hostname "{host}": Name or service not known. QUITTING.', err=True)
        return 2
    if verbose:
        say('Ncat: Version 7.93 ( https://nmap.org/ncat )', err=True)
    try:
        outcome = connect(here, ip, port, timeout)
    except Stopped:
        return 130
    except ToolError as e:
        say(f'Ncat: {e}. QUITTING.', err=True)
        return 1
    if outcome == 'timeout':
        say('Ncat: Connection timed out.', err=True)
        return 1
    if outcome == 'refused':
        say('Ncat: Connection refused.', err=True)
        return 1
    if verbose:
        say(f'Ncat: Connected to {ip}:{port}.', err=True)
    if zero:
        if verbose:
            say('Ncat: 0 bytes sent, 0 bytes received in 0.01 seconds.', err=True)
        return 0
    say(SSH_BANNER)
    # sshd hangs up on the first line that is not an SSH client's greeting
    try:
        with stoppable():
            line = sys.stdin.readline()
    except Stopped:
        return 130
    if line:
        say('Invalid SSH identification string.')
    return 0


def ssh(argv):
    try:
        opts, args = getopt.getopt(argv, '46AaCfGgKkMNnqsTtVvXxYyB:b:c:D:E:e:F:I:i:J:L:l:m:O:o:p:Q:R:S:W:w:')
    except getopt.GetoptError as e:
        say(f'ssh: illegal option -- {e.opt}', err=True)
        say('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-i identity_file] [-l login_name] [-o option] [-p port] destination [command [argument ...]]', err=True)
        return 255
    user = None
    port = 22
    timeout = CONNECT_TIMEOUT
    for flag, value in opts:
        if flag == '-V':
            say('OpenSSH_8.7p1, OpenSSL 3.0.8 7 Feb 2023', err=True)
            return 0
        if flag == '-l':
            user = value
        elif flag == '-p':
            if not value.isdigit():
                say(f'Bad port \'{value}\'', err=True)
                return 255
            port = int(value)
        elif flag == '-o':
            key, _, setting = value.replace('=', ' ', 1).partition(' ')
            key = key.lower()
            setting = setting.strip()
            if key == 'user':
                user = setting
            elif key == 'port' and setting.isdigit():
                port = int(setting)
            elif key == 'connecttimeout':
                try:
                    timeout = min(timeout, positive_seconds(setting))
                except ValueError:
                    pass
    if not args:
        say('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-i identity_file] [-l login_name] [-o option] [-p port] destination [command [argument ...]]', err=True)
        return 255
    destination = args[0]
    if destination.startswith('ssh://'):
        parts = urllib.parse.urlsplit(destination)
        user = user or parts.username
        port = parts.port or port
        host = parts.hostname or ''
    else:
        login, at, host = destination.rpartition('@')
        if at:
            user = user or login
    here = instance()
    if here is None:
        return no_network('ssh')
    user = user or here['user']
    ip = resolve(host, here)
    if ip is None:
        say(f'ssh: Could not resolve hostname {host}: Name or service not known', err=True)
        return 255
    try:
        outcome = connect(here, ip, port, timeout)
    except Stopped:
        return 255
    except ToolError as e:
        say(f'ssh: connect to host {host} port {port}: {e}', err=True)
        return 255
    if outcome == 'timeout':
        say(f'ssh: connect to host {host} port {port}: Connection timed out', err=True)
    elif outcome == 'refused':
        say(f'ssh: connect to host {host} port {port}: Connection refused', err=True)
    else:
        # the instance only knows the key pair it was launched with, and this shell holds none
        say(f'{user}@{host}: {SSH_DENIED}', err=True)
    return 255


# ---- aws ec2-instance-connect ssh --------------------------------------------------------------------------------------

# Global options of the AWS CLI that take a value, so the command word can be found after them.
AWS_VALUE_OPTIONS = {'--region', '--profile', '--output', '--endpoint-url', '--query', '--color', '--ca-bundle',
                     '--cli-read-timeout', '--cli-connect-timeout', '--cli-binary-format'}
CONNECT_USAGE = '''usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]
To see help text, you can run:

  aws help
  aws <command> help
  aws <command> <subcommand> help
'''


def exec_real_aws(argv):
    real = real_command('aws')
    if real is None:
        say('aws: command not found', err=True)
        return 127
    os.execv(real, ['aws', *argv])


def aws(argv):
    """`aws ... ec2-instance-connect ssh --instance-id i-...`: a shell on that instance; any other aws command runs as it is."""
    i = 0
    while i < len(argv) and argv[i].startswith('--'):
        i += 2 if argv[i] in AWS_VALUE_OPTIONS else 1
    if i + 1 >= len(argv) or argv[i] != 'ec2-instance-connect' or argv[i + 1] != 'ssh':
        return exec_real_aws(argv)
    global_options, rest = argv[:i], argv[i + 2:]
    options = {}
    j = 0
    while j < len(rest):
        name, eq, value = rest[j].partition('=')
        if not name.startswith('--'):
            say(CONNECT_USAGE, err=True)
            say(f'aws: error: Unknown options: {rest[j]}', err=True)
            return 252
        if not eq:
            if j + 1 >= len(rest):
                say(CONNECT_USAGE, err=True)
                say(f'aws: error: argument {name}: expected one argument', err=True)
                return 252
            j += 1
            value = rest[j]
        options[name] = value
        j += 1
    instance_id = options.get('--instance-id')
    if instance_id is None:
        say(CONNECT_USAGE, err=True)
        say('aws: error: the following arguments are required: --instance-id', err=True)
        return 252
    if not instance_id.strip():
        # Usually a shell variable that is not set in this shell: "$INSTANCE1_ID" expands to nothing.
        say('aws: error: argument --instance-id: the value is empty. If you used a variable, it is not set in this shell; '
            "find the id with: aws ec2 describe-instances --query 'Reservations[].Instances[].[InstanceId,Tags[?Key==`Name`]|[0].Value]' --output text", err=True)
        return 252
    user = options.get('--os-user', DEFAULT_USER)
    real = real_command('aws')
    if real is None:
        say('aws: command not found', err=True)
        return 127
    looked_up = subprocess.run([real, *global_options, 'ec2', 'describe-instances', '--instance-ids', instance_id, '--output', 'json'],
                               stdout=subprocess.PIPE)
    if looked_up.returncode != 0:
        return looked_up.returncode
    found = [inst for r in json.loads(looked_up.stdout or b'{}').get('Reservations', []) for inst in r.get('Instances', [])]
    if not found:
        say(f'Instance {instance_id} was not found in this account.', err=True)
        return 255
    target = found[0]
    state = target.get('State', {}).get('Name', 'unknown')
    if state != 'running':
        say(f'Instance {instance_id} is {state}, not running, so there is nothing to connect to. '
            f'Start it first: aws ec2 start-instances --instance-ids {instance_id}', err=True)
        return 255
    private_ip = target.get('PrivateIpAddress', '')
    env = dict(os.environ, VERILAB_INSTANCE_ID=instance_id, VERILAB_INSTANCE_IP=private_ip,
               VERILAB_INSTANCE_HOST=hostname_for(private_ip), VERILAB_INSTANCE_USER=user)
    for k, option in enumerate(global_options):
        if option == '--region' and k + 1 < len(global_options):
            env['AWS_REGION'] = env['AWS_DEFAULT_REGION'] = global_options[k + 1]
        elif option.startswith('--region='):
            env['AWS_REGION'] = env['AWS_DEFAULT_REGION'] = option.split('=', 1)[1]
    # The instance's shell takes the terminal; Ctrl-C there is for its commands, not for us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = subprocess.call(['/bin/bash', '--rcfile', INSTANCE_RC, '-i'], env=env,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    say(f'Connection to {target.get("PublicIpAddress") or private_ip} closed.', err=True)
    return code


# ---- entry -----------------------------------------------------------------------------------------------------------

def selftest(_argv):
    """For Verilab's start-up probe: the tools run, with botocore, inside the sandbox."""
    import botocore.auth  # noqa: F401
    say('verilab-net ok')
    return 0


TOOLS = {'ping': ping, 'curl': curl, 'nc': nc, 'ncat': nc, 'ssh': ssh, 'aws': aws, 'selftest': selftest}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in TOOLS:
        say(f'usage: verilab-net {{{",".join(sorted(TOOLS))}}} [arguments]', err=True)
        return 2
    try:
        return TOOLS[sys.argv[1]](sys.argv[2:])
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
