"""Row checkboxes and links of the shared table helpers carry an accessible name (WCAG 1.3.1, 4.1.2)."""

import re

import django_tables2 as tables
import pytest
from django.test import RequestFactory

from apps.core.tables import BaseTable, SelectColumn


class Record:
    def __init__(self, sid):
        self.sid = sid


class PickTable(BaseTable):
    pick = SelectColumn(
        noun="thing", accessor="sid", attrs={"input": {"name": "sid", "class": "form-check-input"}}
    )
    sid = tables.Column()


def render(table) -> str:
    request = RequestFactory().get("/")
    return table.as_html(request)


def test_select_column_names_each_row_box_and_the_header_box():
    html = render(PickTable([Record("XX1"), Record("XX2")]))
    rows = re.findall(r'<input [^>]*name="sid"[^>]*>', html)
    assert len(rows) == 2
    assert 'aria-label="Select thing XX1"' in rows[0] and 'value="XX1"' in rows[0]
    assert 'aria-label="Select thing XX2"' in rows[1]
    header = re.search(r"<th [^>]*>\s*(<input [^>]*>)", html).group(1)
    assert 'aria-label="Select every thing on this page"' in header
    assert 'name="sid"' not in header  # the header box selects, it is not submitted


def test_select_column_keeps_labels_it_is_given():
    class Named(BaseTable):
        pick = SelectColumn(
            accessor="sid", attrs={"input": {"aria-label": "Pick me"}, "th__input": {"id": "all"}}
        )

    html = render(Named([Record("XX1")]))
    assert 'aria-label="Pick me"' in html
    assert re.search(
        r'<input [^>]*id="all"[^>]*aria-label="Select every row on this page"', html
    ) or re.search(r'<input [^>]*aria-label="Select every row on this page"[^>]*id="all"', html)


@pytest.mark.django_db
def test_esim_list_rows_have_a_labelled_box_and_one_named_link_per_profile():
    from apps.esims.tables import EsimProfileTable
    from apps.esims.tests.factories import EsimProfileFactory

    esim = EsimProfileFactory()
    html = render(EsimProfileTable([esim]))
    assert f'aria-label="Select eSIM profile {esim.sid}"' in html
    # no link nested in a link (the browser would split it into an empty link)
    assert re.findall(r"<a [^>]*>(?:(?!</a>).)*<a ", html, flags=re.S) == []
    assert (
        len(re.findall(rf'<a [^>]*href="{re.escape(esim.get_absolute_url())}"[^>]*>{esim.sid}</a>', html))
        == 1
    )
