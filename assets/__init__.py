"""Assets: the equipment of a building (AHUs, FCUs, chillers, ...), its zones and meters."""
