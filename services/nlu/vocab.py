"""The contract's entity values and the place names (vietnam-provinces, after the 2025 reorganisation)."""

from __future__ import annotations

from functools import cache

from vietnam_provinces import Province

from services.nlu.text import fold

SUBSTANCES = frozenset(
    {"heroin", "methamphetamine", "ketamine", "cannabis", "mdma", "nitrous_oxide", "opium", "synthetic"}
)
RELATIONS = frozenset({"child", "spouse", "sibling", "parent", "friend"})

# Short forms and names of provinces merged in 2025, folded (lower case, no diacritics) -> official name.
LOCATION_ALIASES: dict[str, str] = {
    "hcm": "Hồ Chí Minh",
    "tphcm": "Hồ Chí Minh",
    "tp hcm": "Hồ Chí Minh",
    "sai gon": "Hồ Chí Minh",
    "saigon": "Hồ Chí Minh",
    "sg": "Hồ Chí Minh",
    "tp ho chi minh": "Hồ Chí Minh",
    "binh duong": "Hồ Chí Minh",
    "ba ria vung tau": "Hồ Chí Minh",
    "vung tau": "Hồ Chí Minh",
    "ba ria": "Hồ Chí Minh",
    "hn": "Hà Nội",
    "hanoi": "Hà Nội",
    "tp ha noi": "Hà Nội",
    "thu do": "Hà Nội",
    "dn": "Đà Nẵng",
    "danang": "Đà Nẵng",
    "quang nam": "Đà Nẵng",
    "hoi an": "Đà Nẵng",
    "tam ky": "Đà Nẵng",
    "hp": "Hải Phòng",
    "hai duong": "Hải Phòng",
    "soc trang": "Cần Thơ",
    "hau giang": "Cần Thơ",
    "thua thien hue": "Huế",
    "tt hue": "Huế",
    "bien hoa": "Đồng Nai",
    "binh phuoc": "Đồng Nai",
    "nha trang": "Khánh Hòa",
    "ninh thuan": "Khánh Hòa",
    "phan rang": "Khánh Hòa",
    "bac giang": "Bắc Ninh",
    "vinh phuc": "Phú Thọ",
    "hoa binh": "Phú Thọ",
    "viet tri": "Phú Thọ",
    "thai binh": "Hưng Yên",
    "ha nam": "Ninh Bình",
    "nam dinh": "Ninh Bình",
    "quang binh": "Quảng Trị",
    "dong hoi": "Quảng Trị",
    "kon tum": "Quảng Ngãi",
    "binh dinh": "Gia Lai",
    "quy nhon": "Gia Lai",
    "pleiku": "Gia Lai",
    "phu yen": "Đắk Lắk",
    "tuy hoa": "Đắk Lắk",
    "buon ma thuot": "Đắk Lắk",
    "dak nong": "Lâm Đồng",
    "binh thuan": "Lâm Đồng",
    "da lat": "Lâm Đồng",
    "phan thiet": "Lâm Đồng",
    "long an": "Tây Ninh",
    "tien giang": "Đồng Tháp",
    "my tho": "Đồng Tháp",
    "ben tre": "Vĩnh Long",
    "tra vinh": "Vĩnh Long",
    "kien giang": "An Giang",
    "rach gia": "An Giang",
    "phu quoc": "An Giang",
    "bac lieu": "Cà Mau",
    "ha giang": "Tuyên Quang",
    "yen bai": "Lào Cai",
    "bac kan": "Thái Nguyên",
    "ha long": "Quảng Ninh",
    "tp vinh": "Nghệ An",
}


def short_province_name(full_name: str) -> str:
    return full_name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


@cache
def province_names() -> tuple[str, ...]:
    """The 34 official province-level names, without the 'Thành phố'/'Tỉnh' prefix."""
    return tuple(short_province_name(p.name) for p in Province.iter_all())


@cache
def location_surfaces() -> dict[str, str]:
    """Folded surface form -> official name, for every province name and alias."""
    surfaces = {fold(name): name for name in province_names()}
    for name in province_names():
        surfaces.setdefault(fold(name).replace(" ", ""), name)
    surfaces.update(LOCATION_ALIASES)
    return surfaces


def entity_values(entity: str) -> frozenset[str] | None:
    """The closed set of values an entity may take (None for open ones such as phone)."""
    if entity == "substance":
        return SUBSTANCES
    if entity == "relation":
        return RELATIONS
    if entity == "location":
        return frozenset(province_names())
    return None
