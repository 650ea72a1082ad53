#!/usr/bin/env bash
# Debian packages used by some tests (they skip without them; CI installs them):
# tmux + procps (interactive session), chromium (HTML report in a headless browser),
# libreoffice-writer-nogui + fonts-noto-cjk (Word file → PDF layout check),
# cmake + build-essential (compiling llama-cpp-python).
# With --build, only the compiler tools the main command needs.
set -euo pipefail
need=()
if [ "${1:-}" != "--build" ]; then
  command -v tmux >/dev/null || need+=(tmux)
  command -v pgrep >/dev/null || need+=(procps)
  command -v chromium >/dev/null || need+=(chromium)
  command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
  fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
fi
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(build-essential)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包：${need[*]}（编译本地模型需要 cmake 和 C++ 编译器；其余缺少时相关测试跳过）。请用 root 运行 apt-get install ${need[*]}。" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "缺少系统软件包：${need[*]}；本机没有 apt-get，请用系统的包管理器安装。" >&2
  exit 0
fi
echo "安装系统软件包：${need[*]} …" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
