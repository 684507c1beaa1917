# volume-checks.sh DIR RODIR [BUSYBOX]: file-system operations on a 9p volume, run by VolumesIT
# from the guest (sh, coreutils) and from a container (busybox: pass /bin/busybox as BUSYBOX).
# Prints key=value lines; the test asserts them and what the host sees in DIR.
d=$1 ro=$2 b=${3:-}
r() { echo "$1=$2"; }
$b rm -rf "$d" && $b mkdir -p "$d" && cd "$d" || exit 1

echo mine >created
r created $?

echo target >target
$b ln -s target rel
$b ln -s "$d/target" abs
r rel "$($b cat rel)"
r abs "$($b cat abs)"
r readlink "$($b readlink rel)"

echo hard >h1
$b ln h1 h2
echo more >>h2
r nlink "$($b stat -c %h h1)"
r hardcontent "$($b cat h1 | $b tr '\n' ' ')"

$b mkdir -p from/sub to
echo moved >from/m
$b mv from/m to/m
r renamed "$($b cat to/m)"
[ -e from/m ]
r renamedgone $?
echo deep >from/sub/f
$b mv from/sub to/sub
r dirrenamed "$($b cat to/sub/f)"

echo m >mode
$b chmod 0751 mode
r mode "$($b stat -c %a mode)"

echo t >mtime
TZ=UTC0 $b touch -t 200102030405.06 mtime
r mtime "$($b stat -c %Y mtime)"

printf ACROSS4G | $b dd of=big bs=1 seek=4294967292 conv=notrunc 2>/dev/null
r bigsize "$($b stat -c %s big)"
r bigread "$($b dd if=big bs=1 skip=4294967292 count=8 2>/dev/null)"
r hostbig "$($b dd if=../hostbig bs=1 skip=5368709120 count=10 2>/dev/null)"

name=$(printf 'with space \303\251\342\234\223.txt')
echo utf >"$name"
r utf8 "$($b cat "$name")"
r utf8host "$($b cat ../"$name")"

echo still-here >open
exec 3<open
$b rm open
r openread "$($b cat <&3)"
[ -e open ]
r opengone $?
exec 3<&-
exec 4>wopen
$b rm wopen
echo more >&4
r openwrite $?
exec 4>&-

$b touch "$ro/refused" 2>err
r rotouch $?
r roerror "$($b cat err)"
$b rm -f err
r roread "$($b cat "$ro/hello.txt")"

r hostread "$($b cat ../host.txt)"
echo "appended from $d" >>../host.txt
r hostwrite $?

$b mkdir -m 1777 shared
r done ok
