(self.siteSearchData=self.siteSearchData||{})["x/sc"]={"df":"010201","terms":"scheme schmidhub score"};
