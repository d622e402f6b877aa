"""Residents' questions, ideas, complaints and reports, and the staff's triage and yearly counts.

routes.py has the public form and private status page (`bp`) and the staff pages (`staff_bp`);
photos.py checks and cleans an uploaded photo; streets.txt lists the streets the form offers.
"""
