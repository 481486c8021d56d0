"""The locations page: facility managers keep the register of buildings, floors and rooms."""
