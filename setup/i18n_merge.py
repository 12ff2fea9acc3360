"""Merges freshly exported templates into the addons' i18n folders, or checks them.

update: writes i18n/<addon>.pot and merges it into i18n/zh_CN.po, keeping known translations;
check:  fails when a committed .pot differs from the export (by message) or zh_CN.po lacks a
        translation for any exported message.
"""

import argparse
import pathlib
import sys

import polib

LANG = "zh_CN"


def key(entry):
    return (entry.msgctxt or "", entry.msgid)


def merge(pot, old_po):
    known = {key(e): e for e in old_po} if old_po is not None else {}
    po = polib.POFile(wrapwidth=78)
    po.metadata = dict(pot.metadata)
    po.metadata.update({"Language": LANG, "Plural-Forms": "nplurals=1; plural=0;"})
    for entry in pot:
        new = polib.POEntry(
            msgid=entry.msgid,
            msgctxt=entry.msgctxt,
            msgstr=known[key(entry)].msgstr if key(entry) in known else "",
            occurrences=entry.occurrences,
            comment=entry.comment,
            tcomment=entry.tcomment,
            flags=list(entry.flags),
        )
        po.append(new)
    return po


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["update", "check"], required=True)
    parser.add_argument("--exported", type=pathlib.Path, required=True)
    parser.add_argument("--root", type=pathlib.Path, required=True)
    parser.add_argument("addons", nargs="+")
    args = parser.parse_args()
    problems = []
    for addon in args.addons:
        pot = polib.pofile(str(args.exported / f"{addon}.pot"))
        i18n = args.root / addon / "i18n"
        pot_path, po_path = i18n / f"{addon}.pot", i18n / f"{LANG}.po"
        old_po = polib.pofile(str(po_path)) if po_path.exists() else None
        if args.mode == "update":
            # files are rewritten only when their messages change, not for a new date
            i18n.mkdir(exist_ok=True)
            old_pot = polib.pofile(str(pot_path)) if pot_path.exists() else None
            if old_pot is None or [key(e) for e in old_pot] != [key(e) for e in pot]:
                pot.save(str(pot_path))
            po = merge(pot, old_po)
            if old_po is None or [(key(e), e.msgstr) for e in old_po] != [
                (key(e), e.msgstr) for e in po
            ]:
                po.save(str(po_path))
            missing = [e.msgid for e in po if not e.msgstr]
            print(f"{addon}: {len(po)} messages, {len(missing)} untranslated")
            for msgid in missing:
                print(f"    {msgid[:100]!r}")
            continue
        exported = {key(e) for e in pot}
        committed = {key(e) for e in polib.pofile(str(pot_path))} if pot_path.exists() else set()
        if exported != committed:
            problems.append(
                f"{addon}: i18n/{addon}.pot is stale ({len(exported - committed)} new, "
                f"{len(committed - exported)} gone messages): run setup/i18n"
            )
        translated = {key(e) for e in old_po if e.msgstr} if old_po is not None else set()
        missing = sorted(exported - translated)
        if missing:
            problems.append(
                f"{addon}: {len(missing)} message(s) without a {LANG} translation, e.g. "
                + "; ".join(repr(m[1][:60]) for m in missing[:5])
            )
        print(f"{addon}: {len(exported)} messages, {len(exported) - len(missing)} translated")
    if problems:
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
