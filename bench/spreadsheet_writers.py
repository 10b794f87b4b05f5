"""Our spreadsheet writers against the libraries, on the same rows (for docs/exports.md).

    python bench/spreadsheet_writers.py            # 10,000 rows, best of 3, a table
    python bench/spreadsheet_writers.py 2000 5     # rows, repeats

Each writer runs in a fresh process on 10,000 rows shaped like the
candidature export of ``bench/export_worker.py`` (20 columns: identity, a
moment, twelve answers, long texts among them), built before the clock
starts: only the writing is measured. Peak memory is the rise of the
process's resident maximum (ru_maxrss) while writing.

XlsxWriter is not a dependency of Amorce: install it by hand for this
comparison (``pip install XlsxWriter``); a missing library is reported, not
measured. No Django, no database: the writers only.
"""

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

LONG = (
    "Les usagers doivent se déplacer plusieurs fois pour une même démarche, faute d'information "
    "claire sur les pièces à fournir ; les agents passent une part croissante de leur temps à "
    "répondre au téléphone plutôt qu'à instruire les dossiers. "
)
HEADERS = [
    "Référence",
    "Reçue le",
    "Statut",
    "Appel",
    "Nom",
    "Adresse électronique",
    "Administration",
    "Service",
    "Intitulé du problème",
    "Le problème",
    "Ses conséquences pour les usagers",
    "Personnes concernées",
    "Depuis quand ?",
    "Ce qui a déjà été tenté",
    "Votre idée de solution",
    "Partenaires envisagés",
    "Données disponibles",
    "Votre rôle",
    "Disponibilité",
    "Site web du service",
]
CHOICES = ["Moins de 1 000", "De 1 000 à 100 000", "Plus de 100 000"]


def make_rows(count):
    received = dt.datetime(2026, 11, 13, 9, 30)
    return [
        [
            f"EXP-2026-{index:05d}",
            received + dt.timedelta(minutes=index),
            "Reçue",
            "Appel à problèmes",
            f"Agent {index}",
            f"agent{index}@example.gouv.fr",
            "Préfecture de l'Exemple",
            "Accueil",
            f"Intitulé du problème {index}",
            f"{index} — " + LONG * 4,
            f"{index} — " + LONG * 4,
            CHOICES[index % 3],
            "2024-05-17",
            f"{index} — " + LONG * 4,
            f"{index} — " + LONG * 4,
            f"{index} — " + LONG * 4,
            f"{index} — " + LONG * 4,
            f"Votre rôle {index}",
            CHOICES[index % 3],
            "https://service.example.gouv.fr/demarche",
        ]
        for index in range(count)
    ]


def ours_xlsx(rows, output):
    from exports.xlsx import write_xlsx

    write_xlsx(HEADERS, rows, output)


def ours_ods(rows, output):
    from exports.ods import write_ods

    write_ods(HEADERS, rows, output)


def ours_csv(rows, output):
    from exports.writers import write_csv

    write_csv(HEADERS, rows, output)


def xlsxwriter_constant_memory(rows, output):
    import xlsxwriter

    # Text stays text, as in ours: no formulas, no hyperlinks made of it.
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "dd/mm/yyyy hh:mm",
        },
    )
    sheet = workbook.add_worksheet("Export")
    sheet.write_row(0, 0, HEADERS, workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, row)
    workbook.close()


def openpyxl_write_only(rows, output):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for value in HEADERS:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(output)


def tablib_ods(rows, output):
    import tablib

    dataset = tablib.Dataset(headers=HEADERS)
    for row in rows:
        dataset.append(row)
    output.write(dataset.export("ods"))


WRITERS = {
    "ours-xlsx": ("Amorce, XLSX (exports/xlsx.py)", ours_xlsx),
    "xlsxwriter": ("XlsxWriter, constant_memory", xlsxwriter_constant_memory),
    "openpyxl": ("openpyxl, write_only", openpyxl_write_only),
    "ours-ods": ("Amorce, ODS (exports/ods.py)", ours_ods),
    "tablib-ods": ("tablib (odfpy), ODS", tablib_ods),
    "ours-csv": ("Amorce, CSV (exports/writers.py)", ours_csv),
}


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_one(name, count):
    """In this process: build the rows, then write them once."""
    rows = make_rows(count)
    write = WRITERS[name][1]
    with tempfile.TemporaryFile() as output:
        base = rss_mib()
        start = time.perf_counter()
        write(rows, output)
        seconds = time.perf_counter() - start
        peak = rss_mib() - base
        size = output.seek(0, 2)
    return {"seconds": seconds, "peak_mib": peak, "bytes": size}


def version(module):
    try:
        return __import__(module).__version__
    except ImportError:
        return None


def main():
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure_one(sys.argv[2], int(sys.argv[3]))))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    best = {}
    for _ in range(repeats):
        for name in WRITERS:
            if name == "xlsxwriter" and not version("xlsxwriter"):
                continue
            if name == "tablib-ods" and name in best:
                continue  # some 20 seconds: once is enough
            result = subprocess.run(
                [sys.executable, __file__, "--one", name, str(count)],
                capture_output=True,
                text=True,
                check=True,
            )
            measure = json.loads(result.stdout)
            if name not in best or measure["seconds"] < best[name]["seconds"]:
                best[name] = measure
    reference = best["ours-xlsx"]["seconds"]
    print(
        f"| Écrivain | s ({count} lignes × {len(HEADERS)}) | × le nôtre | Mo en pointe | Ko |"
    )
    print("|---|---|---|---|---|")
    for name, (label, _write) in WRITERS.items():
        if name not in best:
            print(f"| {label} | non installé | | | |")
            continue
        measure = best[name]
        print(
            f"| {label} | {measure['seconds']:.2f} | {measure['seconds'] / reference:.1f} "
            f"| {measure['peak_mib']:.0f} | {measure['bytes'] / 1024:.0f} |"
        )
    print(
        f"\nPython {sys.version.split()[0]}, XlsxWriter {version('xlsxwriter')}, "
        f"openpyxl {version('openpyxl')}, tablib {version('tablib')} ; meilleur de "
        f"{repeats} (tablib : une fois), {time.strftime('%Y-%m-%d')}."
    )


if __name__ == "__main__":
    main()
