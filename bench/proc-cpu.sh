# shellcheck shell=bash
# Sourced by the bench scripts (bash): CPU time of processes, from /proc.
#
# cpu_seconds <pid>...: the CPU seconds (utime + stime of every thread) the processes have used so
# far, summed, as "%.3f". A pid that has exited counts 0. The fields are counted after the command
# name, which may hold spaces: utime and stime are the 14th and 15th of /proc/<pid>/stat.
cpu_seconds() {
  local pid
  for pid; do cat "/proc/$pid/stat" 2>/dev/null; done |
    sed 's/^.*) //' | awk -v hz="$(getconf CLK_TCK)" '{ t += $12 + $13 } END { printf "%.3f", t / hz }'
}
