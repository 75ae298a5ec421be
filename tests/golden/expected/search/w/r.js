(self.siteSearchData=self.siteSearchData||{})["w/r"]={"terms":"reach result review revisit"};
