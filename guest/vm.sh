# Shared by guest/test and bench/guest-boot (sourced, bash): boots berth-os machines under QEMU with
# a test Ignition file shaped like the one Berth writes. The caller sets $out (guest/build's output)
# and $tmp (a private scratch directory, removed by the caller) and calls vm_stop_all on exit.

ready_timeout=300    # seconds from QEMU start to Ready; TCG boots in well under a minute
command_timeout=300  # any one command run over SSH
declare -A qemu_pid=() ssh_port=()

# vm_arch: the architecture booted (x86_64 or aarch64), by default the host's. Set it before
# vm_artifacts and vm_choose_accel.
vm_arch=$(uname -m)
# artifact_field ARTIFACT FIELD: a field of $vm_arch's disk, kernel or initramfs in stream.json,
# which guest/build writes with one artifact a line, its location named after the architecture.
artifact_field() {
    grep "\"$1\":" "$out/stream.json" | grep -- "-$vm_arch[-.]" | grep -o "\"$2\":\"[^\"]*\"" \
        | cut -d'"' -f4
}
# stream_arches: the architectures that stream.json lists.
stream_arches() {
    grep -o '"location":"berth-os-[^"]*-vmlinuz"' "$out/stream.json" \
        | sed 's/.*-\([a-z0-9_]*\)-vmlinuz"$/\1/'
}
vm_artifacts() {
    if [ ! -s "$out/stream.json" ]; then
        echo "no $out/stream.json: run guest/build first" >&2
        return 1
    fi
    if [ -z "$(artifact_field kernel location)" ]; then
        echo "$out/stream.json has no $vm_arch image: run guest/build --arch $vm_arch" >&2
        return 1
    fi
    disk_xz=$out/$(artifact_field disk location)
    kernel=$out/$(artifact_field kernel location)
    initrd=$out/$(artifact_field initramfs location)
}

# KVM where /dev/kvm works and the guest has the host's architecture, else TCG. /dev/kvm can
# exist and still fail once a vCPU runs (QEMU aborts setting an MSR on some nested or sandboxed
# hosts): probe by running a machine a moment.
vm_choose_accel() { # CALLER: sets $accel, $cpu, $qemu, $machine and $console, and says which
    accel=tcg cpu=max
    case $vm_arch in
        x86_64) qemu=qemu-system-x86_64 machine=q35 console=ttyS0 ;;
        # pauth-impdef: QEMU's own pointer-authentication algorithm, much faster under TCG than
        # the architected QARMA.
        aarch64) qemu=qemu-system-aarch64 machine=virt console=ttyAMA0 cpu=max,pauth-impdef=on ;;
        *) echo "$1: no way to boot $vm_arch" >&2; return 1 ;;
    esac
    if [ "$vm_arch" = "$(uname -m)" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] \
            && ({ echo cont; sleep 2; echo quit; } | timeout 30 \
            "$qemu" -accel kvm -cpu host -machine "$machine" -nodefaults -display none \
            -monitor stdio >/dev/null) 2>/dev/null; then
        accel=kvm cpu=host
        echo "$1: booting $vm_arch under KVM"
    else
        echo "$1: booting $vm_arch under TCG (software emulation, slow): no usable /dev/kvm" \
            "for it"
    fi
}

# vm_write_ignition: $tmp/test.ign for user core (uid $uid) with the key $tmp/id_ed25519: what
# Berth writes (reference/podman-machine.md §4.3, its ready unit included), plus a file of the
# test's.
# Not /etc/containers/podman-machine: with it, podman asks gvproxy's API at
# gateway.containers.internal to forward each published port, and `podman run -p` fails where no
# such API answers, as under QEMU's own user network here.
vm_write_ignition() {
    ssh-keygen -q -t ed25519 -N '' -C berth-os-test -f "$tmp/id_ed25519"
    local pubkey ready_unit mount_unit
    pubkey=$(cat "$tmp/id_ed25519.pub")
    uid=$(id -u); [ "$uid" != 0 ] || uid=501   # the host's uid, as Berth does; root's is taken
    ready_unit='[Unit]
Requires=dev-virtio\x2dports-org.fedoraproject.port.0.device
After=dev-virtio\x2dports-org.fedoraproject.port.0.device sshd.service systemd-user-sessions.service
OnFailure=emergency.target
OnFailureJobMode=isolate
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c '"'"'echo Ready >/dev/virtio-ports/org.fedoraproject.port.0'"'"'
[Install]
RequiredBy=default.target
'
    mount_unit='[Mount]
What=berth-share
Where=/mnt/share
Type=9p
Options=trans=virtio,version=9p2000.L,ro
[Install]
WantedBy=multi-user.target
'
    cat > "$tmp/test.ign" <<EOF
{
  "ignition": {"version": "3.2.0"},
  "passwd": {"users": [
    {"name": "core", "uid": $uid, "sshAuthorizedKeys": ["$pubkey"]},
    {"name": "root", "sshAuthorizedKeys": ["$pubkey"]}
  ]},
  "storage": {
    "directories": [
      $(_dir_entry /home/core/.config), $(_dir_entry /home/core/.config/containers),
      $(_dir_entry /home/core/.config/systemd), $(_dir_entry /home/core/.config/systemd/user)
    ],
    "files": [
      $(_file_entry /etc/hostname $'berth-test\n' 420),
      $(_file_entry /var/lib/systemd/linger/core '' 420),
      $(_file_entry /home/core/.config/containers/containers.conf \
          $'[containers]\nnetns="bridge"\npids_limit=0\n' 420 core),
      $(_file_entry /etc/subuid $'core:100000:1000000\n' 420),
      $(_file_entry /etc/subgid $'core:100000:1000000\n' 420),
      $(_file_entry /etc/systemd/system/user@.service.d/delegate.conf \
          $'[Service]\nDelegate=memory pids cpu io\n' 420),
      $(_file_entry /etc/tmpfiles.d/podman-docker.conf \
          "L+ /run/docker.sock - - - - /run/user/$uid/podman/podman.sock"$'\n' 420),
      $(_file_entry /etc/sysctl.d/10-inotify-instances.conf \
          $'fs.inotify.max_user_instances=524288\n' 420),
      $(_file_entry /etc/berth-test/from-ignition $'written by Ignition\n' 420)
    ],
    "links": [
      {"path": "/etc/systemd/user/sockets.target.wants/podman.socket",
       "target": "/usr/lib/systemd/user/podman.socket", "hard": false},
      {"path": "/usr/local/bin/docker", "target": "/usr/bin/podman", "hard": false},
      {"path": "/etc/localtime", "target": "../usr/share/zoneinfo/Asia/Tokyo", "hard": false,
       "overwrite": true}
    ]
  },
  "systemd": {"units": [
    {"name": "ready.service", "enabled": true, "contents": $(_json_string "$ready_unit")},
    {"name": "mnt-share.mount", "enabled": true, "contents": $(_json_string "$mount_unit")}
  ]}
}
EOF
}
_data_url() { printf 'data:;base64,%s' "$(printf '%s' "$1" | base64 -w0)"; }
_file_entry() { # PATH CONTENT MODE [OWNER]
    local owner=
    [ $# -lt 4 ] || owner=",\"user\":{\"name\":\"$4\"},\"group\":{\"name\":\"$4\"}"
    printf '{"path":"%s","overwrite":true,"mode":%d,"contents":{"source":"%s"}%s}' \
        "$1" "$3" "$(_data_url "$2")" "$owner"
}
_dir_entry() {
    printf '{"path":"%s","mode":493,"user":{"name":"core"},"group":{"name":"core"}}' "$1"
}
_json_string() {
    local s=${1//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; printf '"%s"' "$s"
}

_free_port() {
    local port
    while :; do
        port=$(( 20000 + RANDOM % 40000 ))
        [ -z "$(ss -Hltn "sport = :$port")" ] && { echo "$port"; return; }
    done
}
# vm_boot VM DISK [KERNEL-ARG...]: starts QEMU in the background. The guest's Ready line lands in
# $tmp/VM.ready (a file chardev: no listener needed), its console in $tmp/VM.console; SSH is
# forwarded from 127.0.0.1:${ssh_port[VM]}. The directory $tmp/share is shared read-only over 9p
# with the mount tag berth-share, which the Ignition's mount unit mounts on /mnt/share.
vm_boot() {
    local vm=$1 disk=$2; shift 2
    ssh_port[$vm]=$(_free_port)
    : > "$tmp/$vm.ready"
    mkdir -p "$tmp/share"
    "$qemu" -name "berth-os-test-$vm" -machine "$machine" -accel "$accel" -cpu "$cpu" \
        -smp 2 -m 2048 -nodefaults -display none \
        -kernel "$kernel" -initrd "$initrd" -append "root=/dev/vda rw console=$console $*" \
        -drive "if=virtio,file=$disk,format=qcow2" \
        -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:${ssh_port[$vm]}-:22" \
        -device virtio-net-pci,netdev=net0,mac=5a:94:ef:e4:0c:ee \
        -device virtio-serial \
        -chardev "file,id=ready,path=$tmp/$vm.ready" \
        -device virtserialport,chardev=ready,name=org.fedoraproject.port.0 \
        -fw_cfg "name=opt/com.coreos/config,file=$tmp/test.ign" \
        -virtfs "local,path=$tmp/share,mount_tag=berth-share,security_model=none,readonly=on" \
        -serial "file:$tmp/$vm.console" </dev/null >"$tmp/$vm.qemu.log" 2>&1 &
    qemu_pid[$vm]=$!
}
vm_wait_ready() { # VM
    local vm=$1 deadline=$((SECONDS + ready_timeout))
    while [ $SECONDS -lt $deadline ]; do
        grep -q '^Ready$' "$tmp/$vm.ready" && return 0
        if ! kill -0 "${qemu_pid[$vm]}" 2>/dev/null; then
            echo "QEMU exited before Ready: $(cat "$tmp/$vm.qemu.log")"
            break
        fi
        sleep 0.2
    done
    [ $SECONDS -lt $deadline ] || echo "no Ready within ${ready_timeout}s"
    echo "console tail:"
    tail -40 "$tmp/$vm.console"
    return 1
}
# vm_ssh VM [ssh option...] -- COMMAND: runs COMMAND in the guest as core. The host key is recorded
# under the name VM, not the port (a new one each boot), so a changed key is noticed. Options
# given here come first, and ssh takes the first value of each.
vm_ssh() {
    local vm=$1; shift
    local opts=()
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    timeout "$command_timeout" ssh "${opts[@]}" -i "$tmp/id_ed25519" -p "${ssh_port[$vm]}" \
        -o HostKeyAlias="$vm" -o UserKnownHostsFile="$tmp/$vm.known_hosts" \
        -o StrictHostKeyChecking=accept-new -o BatchMode=yes -o ConnectTimeout=30 \
        -o LogLevel=ERROR core@127.0.0.1 "$@"
}
vm_scp() { # VM FILE: copies FILE to core's home
    timeout "$command_timeout" scp -q -i "$tmp/id_ed25519" -P "${ssh_port[$1]}" \
        -o HostKeyAlias="$1" -o UserKnownHostsFile="$tmp/$1.known_hosts" \
        -o StrictHostKeyChecking=accept-new -o BatchMode=yes -o LogLevel=ERROR "$2" core@127.0.0.1:
}
vm_kill() { # VM
    kill "${qemu_pid[$1]}" 2>/dev/null || true
    wait "${qemu_pid[$1]}" 2>/dev/null || true
    unset "qemu_pid[$1]"
}
vm_poweroff() { # VM: a clean shutdown, so the next boot of the disk finds everything written
    local vm=$1 deadline=$((SECONDS + 120))
    vm_ssh "$vm" -- sudo systemctl poweroff || true
    while kill -0 "${qemu_pid[$vm]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
    if kill -0 "${qemu_pid[$vm]}" 2>/dev/null; then
        vm_kill "$vm"
        echo "$vm did not power off within 120 s"
        return 1
    fi
    vm_kill "$vm"
}
vm_stop_all() {
    local vm
    for vm in "${!qemu_pid[@]}"; do vm_kill "$vm"; done
}
