"""Find multiple sclerosis stem-cell therapy trials on ClinicalTrials.gov."""
