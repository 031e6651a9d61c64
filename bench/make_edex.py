"""A large EDEX-XML file for the import benchmark, written as a stream to standard output.

    python -m bench.make_edex --pupils 100000 > big.xml
    /usr/bin/time -v python manage.py import_school big.xml

One school (BRIN 97ZZ, not used by bench/make_dataset.py), groups of about 28 pupils in year
levels 1-8, one teacher per group. Deterministic: the same arguments give the same file, valid
EDEXML 2.1.
"""

import argparse
import math
import sys
from xml.sax.saxutils import escape

from bench.make_dataset import FIRST_NAMES, GROUP_SIZE, LAST_NAMES, split_evenly

# The last school year the EDEXML 2.1 schema lists (EDEXSchooljaarType is an enumeration).
SCHEMA_SCHOOL_YEAR = "2024-2025"


def generate(pupils, out, *, brin="97ZZ", school_year=SCHEMA_SCHOOL_YEAR):
    n_groups = max(1, math.ceil(pupils / GROUP_SIZE))
    sizes = split_evenly(pupils, n_groups)
    write = out.write
    write('<?xml version="1.0" encoding="UTF-8"?>\n<EDEX>\n')
    write(f"  <school><schooljaar>{school_year}</schooljaar><brincode>{brin}</brincode>"
          "<dependancecode>00</dependancecode></school>\n")
    write("  <groepen>\n")
    for g in range(n_groups):
        year = g % 8 + 1
        write(f'    <groep key="G{g}"><naam>Groep {year}-{g // 8 + 1}</naam>'
              f"<jaargroep>{year}</jaargroep></groep>\n")
    write("  </groepen>\n  <leerlingen>\n")
    key = 100000
    for g, size in enumerate(sizes):
        year = g % 8 + 1
        birth_year = 2026 - 4 - year
        for _ in range(size):
            key += 1
            first = FIRST_NAMES[(key * 7) % len(FIRST_NAMES)]
            prefix, last = LAST_NAMES[(key * 11) % len(LAST_NAMES)]
            prefix_xml = f"<voorvoegsel>{escape(prefix)}</voorvoegsel>" if prefix else ""
            write(f'    <leerling key="{key}" eckid="https://ketenid.nl/201703/bench{key}">'
                  f"<achternaam>{escape(last)}</achternaam>{prefix_xml}<roepnaam>{escape(first)}</roepnaam>"
                  f"<geboortedatum>{birth_year}-{key % 12 + 1:02d}-{key % 28 + 1:02d}</geboortedatum>"
                  f'<jaargroep>{year}</jaargroep><groep key="G{g}"/></leerling>\n')
    write("  </leerlingen>\n  <leerkrachten>\n")
    for g in range(n_groups):
        write(f'    <leerkracht key="T{g}"><achternaam>Groep {g}</achternaam><roepnaam>Juf</roepnaam>'
              f"<emailadres>juf.groep{g}@benchmark.example</emailadres>"
              f'<groepen><groep key="G{g}"/></groepen></leerkracht>\n')
    write("  </leerkrachten>\n</EDEX>\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=100_000)
    parser.add_argument("--brin", default="97ZZ")
    args = parser.parse_args(argv)
    if not 1 <= args.pupils <= 1_000_000:
        parser.error("--pupils must be between 1 and 1,000,000")
    generate(args.pupils, sys.stdout, brin=args.brin)


if __name__ == "__main__":
    main()
