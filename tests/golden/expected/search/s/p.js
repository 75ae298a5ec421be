(self.siteSearchData=self.siteSearchData||{})["s/p"]={"terms":"appli speech"};
