"""A hand-made catalogue of real mobile networks (ISO country, MCC, MNC, operator name) for the sandbox.

Identifiers are public ITU-T E.212 assignments; the list is our own selection (no package with a clear
licence fitted), about 100 operators across ~40 countries. Network SIDs are derived from MCC-MNC, so they
are the same in every sandbox database.
"""

import hashlib

NETWORKS: list[tuple[str, str, str, str]] = [
    # iso, mcc, mnc, name
    ("US", "310", "410", "AT&T"),
    ("US", "310", "260", "T-Mobile"),
    ("US", "311", "480", "Verizon Wireless"),
    ("US", "312", "530", "Sprint"),
    ("CA", "302", "720", "Rogers Wireless"),
    ("CA", "302", "610", "Bell Mobility"),
    ("CA", "302", "220", "Telus Mobility"),
    ("MX", "334", "020", "Telcel"),
    ("MX", "334", "030", "Movistar Mexico"),
    ("MX", "334", "050", "AT&T Mexico"),
    ("BR", "724", "05", "Claro Brasil"),
    ("BR", "724", "06", "Vivo"),
    ("BR", "724", "02", "TIM Brasil"),
    ("AR", "722", "310", "Claro Argentina"),
    ("AR", "722", "070", "Movistar Argentina"),
    ("AR", "722", "341", "Personal"),
    ("CL", "730", "01", "Entel Chile"),
    ("CL", "730", "02", "Movistar Chile"),
    ("CO", "732", "101", "Claro Colombia"),
    ("CO", "732", "123", "Movistar Colombia"),
    ("PE", "716", "10", "Claro Peru"),
    ("PE", "716", "06", "Movistar Peru"),
    ("GB", "234", "10", "O2 UK"),
    ("GB", "234", "15", "Vodafone UK"),
    ("GB", "234", "30", "EE"),
    ("GB", "234", "20", "Three UK"),
    ("IE", "272", "01", "Vodafone Ireland"),
    ("IE", "272", "02", "Three Ireland"),
    ("FR", "208", "01", "Orange France"),
    ("FR", "208", "10", "SFR"),
    ("FR", "208", "20", "Bouygues Telecom"),
    ("FR", "208", "15", "Free Mobile"),
    ("DE", "262", "01", "Telekom Deutschland"),
    ("DE", "262", "02", "Vodafone Germany"),
    ("DE", "262", "03", "Telefonica Germany"),
    ("ES", "214", "01", "Vodafone Spain"),
    ("ES", "214", "03", "Orange Spain"),
    ("ES", "214", "07", "Movistar Spain"),
    ("IT", "222", "01", "TIM"),
    ("IT", "222", "10", "Vodafone Italy"),
    ("IT", "222", "88", "WindTre"),
    ("PT", "268", "01", "Vodafone Portugal"),
    ("PT", "268", "03", "NOS"),
    ("PT", "268", "06", "MEO"),
    ("NL", "204", "04", "Vodafone Netherlands"),
    ("NL", "204", "08", "KPN"),
    ("NL", "204", "16", "T-Mobile Netherlands"),
    ("BE", "206", "01", "Proximus"),
    ("BE", "206", "10", "Orange Belgium"),
    ("BE", "206", "20", "Base"),
    ("CH", "228", "01", "Swisscom"),
    ("CH", "228", "02", "Sunrise"),
    ("CH", "228", "03", "Salt"),
    ("AT", "232", "01", "A1 Telekom Austria"),
    ("AT", "232", "03", "Magenta Telekom"),
    ("AT", "232", "05", "Hutchison Drei Austria"),
    ("SE", "240", "01", "Telia Sweden"),
    ("SE", "240", "07", "Tele2 Sweden"),
    ("NO", "242", "01", "Telenor Norway"),
    ("NO", "242", "02", "Telia Norway"),
    ("DK", "238", "01", "TDC"),
    ("DK", "238", "02", "Telenor Denmark"),
    ("FI", "244", "05", "Elisa"),
    ("FI", "244", "91", "Telia Finland"),
    ("PL", "260", "01", "Plus"),
    ("PL", "260", "02", "T-Mobile Poland"),
    ("PL", "260", "03", "Orange Poland"),
    ("CZ", "230", "01", "T-Mobile Czech Republic"),
    ("CZ", "230", "02", "O2 Czech Republic"),
    ("HU", "216", "30", "Magyar Telekom"),
    ("RO", "226", "01", "Vodafone Romania"),
    ("RO", "226", "10", "Orange Romania"),
    ("GR", "202", "01", "Cosmote"),
    ("GR", "202", "05", "Vodafone Greece"),
    ("TR", "286", "01", "Turkcell"),
    ("TR", "286", "02", "Vodafone Turkey"),
    ("ZA", "655", "01", "Vodacom"),
    ("ZA", "655", "10", "MTN South Africa"),
    ("NG", "621", "30", "MTN Nigeria"),
    ("KE", "639", "02", "Safaricom"),
    ("EG", "602", "01", "Orange Egypt"),
    ("AE", "424", "02", "Etisalat"),
    ("SA", "420", "01", "STC"),
    ("IL", "425", "01", "Partner"),
    ("IN", "404", "10", "Airtel"),
    ("IN", "405", "857", "Jio"),
    ("CN", "460", "00", "China Mobile"),
    ("CN", "460", "01", "China Unicom"),
    ("HK", "454", "00", "CSL"),
    ("JP", "440", "10", "NTT docomo"),
    ("JP", "440", "20", "SoftBank"),
    ("JP", "440", "50", "KDDI au"),
    ("KR", "450", "05", "SK Telecom"),
    ("KR", "450", "08", "KT"),
    ("SG", "525", "01", "Singtel"),
    ("SG", "525", "03", "M1"),
    ("MY", "502", "12", "Maxis"),
    ("TH", "520", "01", "AIS"),
    ("ID", "510", "10", "Telkomsel"),
    ("PH", "515", "02", "Globe Telecom"),
    ("VN", "452", "04", "Viettel"),
    ("AU", "505", "01", "Telstra"),
    ("AU", "505", "02", "Optus"),
    ("AU", "505", "03", "Vodafone Australia"),
    ("NZ", "530", "01", "One NZ"),
    ("NZ", "530", "05", "Spark NZ"),
]


def network_sid(mcc: str, mnc: str) -> str:
    return "HW" + hashlib.md5(f"network:{mcc}-{mnc}".encode(), usedforsecurity=False).hexdigest()


def ensure_networks() -> int:
    """Insert the catalogue's networks that are missing; returns how many were added."""
    from .models import Network

    have = set(Network.objects.values_list("sid", flat=True))
    rows = [
        Network(
            sid=network_sid(mcc, mnc),
            friendly_name=name,
            iso_country=iso,
            mcc=mcc,
            mnc=mnc,
            identifiers=[{"mcc": mcc, "mnc": mnc}],
        )
        for iso, mcc, mnc, name in NETWORKS
        if network_sid(mcc, mnc) not in have
    ]
    Network.objects.bulk_create(rows)
    return len(rows)
