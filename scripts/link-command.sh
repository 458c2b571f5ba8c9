#!/usr/bin/env bash
# Puts a `conclave` command on the PATH (issue 11), as `npm link` would but
# without reinstalling anything: a symbolic link to this folder's
# bin/conclave.js, in npm's global bin folder (where `npm install -g` puts
# commands) when it can be written, else in ~/.local/bin. A folder already on
# the PATH is preferred. Never fails: where no folder takes the link, it says
# how to run the command instead. Running it again changes nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
target="$PWD/bin/conclave.js"
chmod +x "$target" 2>/dev/null || true

on_path() { case ":$PATH:" in *":$1:"*) return 0 ;; *) return 1 ;; esac; }

candidates=()
# npm run sets npm_config_global_prefix; run on its own, ask npm.
global_prefix=${npm_config_global_prefix:-$(npm prefix -g 2>/dev/null || true)}
[[ -n $global_prefix ]] && candidates+=("$global_prefix/bin")
[[ -n ${HOME:-} ]] && candidates+=("$HOME/.local/bin")

skipped=()
# Links target into $1/conclave; 0 when the link is there (made now or before), 1 when this folder cannot take it.
place_link() {
  local dir=$1 link="$1/conclave"
  if [[ -L $link ]]; then
    local current
    current=$(readlink "$link")
    if [[ $(readlink -f "$link") == "$(readlink -f "$target")" ]]; then return 0; fi
    # Another checkout of Conclave: this one takes its place. Anything else named conclave is left alone.
    if [[ $current != */bin/conclave.js ]]; then
      skipped+=("$link is another program's command ($current)")
      return 1
    fi
    if ! ln -sfn "$target" "$link" 2>/dev/null; then
      skipped+=("$link runs another copy of Conclave ($current) and cannot be changed from this account")
      return 1
    fi
    echo "conclave: $link pointed to $current; it now points to this folder."
    return 0
  fi
  if [[ -e $link ]]; then
    skipped+=("$link is another program's command")
    return 1
  fi
  mkdir -p "$dir" 2>/dev/null && [[ -w $dir ]] && ln -s "$target" "$link" 2>/dev/null
}

chosen=''
tried=$'\n'
for pass in on-path any; do
  for dir in "${candidates[@]}"; do
    if [[ $pass == on-path ]] && ! on_path "$dir"; then continue; fi
    case $tried in *$'\n'"$dir"$'\n'*) continue ;; esac
    tried+="$dir"$'\n'
    if place_link "$dir"; then
      chosen=$dir
      break 2
    fi
  done
done

if [[ -z $chosen ]]; then
  echo "conclave: could not put a conclave command on your PATH (tried: ${candidates[*]:-no folder})." >&2
  for reason in "${skipped[@]}"; do echo "  $reason" >&2; done
  echo "  Run it as: node $target --help" >&2
  echo "  or link it into a folder on your PATH yourself: ln -s $target FOLDER/conclave" >&2
  exit 0
fi

link="$chosen/conclave"
for reason in "${skipped[@]}"; do echo "conclave: left alone: $reason."; done
hash -r
found=$(command -v conclave || true)
if ! on_path "$chosen"; then
  if [[ -n $found ]]; then
    echo "conclave: linked $link, but $chosen is not on your PATH, so typing conclave runs $found instead."
  else
    echo "conclave: linked $link, but $chosen is not on your PATH, so typing conclave will not find it yet."
  fi
  echo "  Add it, then open a new terminal:  echo 'export PATH=\"$chosen:\$PATH\"' >> ~/.profile"
  echo "  Until then run it as: $link --help"
  exit 0
fi
if [[ $(readlink -f "$found") != "$(readlink -f "$target")" ]]; then
  echo "conclave: linked $link, but another conclave comes first on your PATH ($found)."
  echo "  Run this one as $link, or put $chosen earlier in your PATH."
  exit 0
fi
echo "conclave: the conclave command is ready ($link → $target)."
