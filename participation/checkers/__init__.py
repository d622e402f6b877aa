"""Checkers for landlords: "Do I need a conformiteitsattest?" and "Which renovation premiums can I get?"."""
