#!/usr/bin/env bash
# Debian packages used by some tests (they skip without them; CI installs them):
# tmux + procps (interactive session), chromium (HTML report in a headless browser),
# libreoffice-writer-nogui + fonts-noto-cjk (Word file → PDF layout check),
# cmake + build-essential (compiling llama-cpp-python).
set -euo pipefail
need=()
command -v tmux >/dev/null || need+=(tmux)
command -v pgrep >/dev/null || need+=(procps)
command -v chromium >/dev/null || need+=(chromium)
command -v soffice >/dev/null || need+=(libreoffice-writer-nogui)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(build-essential)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包：${need[*]}（相关测试将跳过）。请用 root 运行 apt-get install。" >&2
  exit 0
fi
echo "安装系统软件包：${need[*]} …" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
