"""The classifier's department labels point at units of the product's department catalogue."""

from hotline.demo.catalogue import load_catalogue
from routing.catalogue import departments


def test_every_label_names_a_catalogue_unit_by_code_and_name():
    catalogue = {unit.code: unit.name for unit in load_catalogue()}
    for label, unit in departments().items():
        assert catalogue.get(unit.code) == unit.name, (label, unit)
